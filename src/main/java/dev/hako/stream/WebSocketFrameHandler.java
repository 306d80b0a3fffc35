package dev.hako.stream;

import dev.hako.log.Log;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * What every WebSocket session here does with the frames the client sends: pings are answered, a close
 * ends the connection, data messages are decoded into channel and payload for the protocol (empty and
 * undecodable ones carry nothing and are dropped). Every frame is released after it was handled. The
 * protocol starts once {@link WebSocketUpgrade} has switched the pipeline to WebSocket framing.
 */
abstract class WebSocketFrameHandler extends ChannelInboundHandlerAdapter {
    private static final Log LOG = Log.of("stream");

    protected final WebSocketChannels channels;

    WebSocketFrameHandler(WebSocketChannels channels) {
        this.channels = channels;
    }

    /** The handshake is answered and the pipeline speaks WebSocket: the protocol may write. */
    protected abstract void onHandshakeDone(ChannelHandlerContext ctx);

    protected abstract void onMessage(WebSocketChannels.Message m);

    @Override
    public final void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt != WebSocketChannels.HANDSHAKE_DONE) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        onHandshakeDone(ctx);
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            switch (msg) {
                case PingWebSocketFrame ping -> ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                case CloseWebSocketFrame close -> ctx.close();
                case WebSocketFrame frame -> {
                    WebSocketChannels.Message m = channels.decode(frame);
                    if (m != null) {
                        onMessage(m);
                    }
                }
                default -> { }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("websocket connection error", "error", String.valueOf(cause.getMessage()));
        ctx.close();
    }
}
