package dev.hako.stream;

import dev.hako.log.Log;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Port forwarding over WebSocket: the i-th requested port gets data channel 2i and error channel 2i+1, each
 * opened by a message carrying the port as two little-endian bytes. One connection per port, made at once.
 */
final class WebSocketPortForwardHandler extends ChannelInboundHandlerAdapter {
    private static final Log LOG = Log.of("stream");

    private final StreamRequest.PortForward request;
    private final StreamBackend backend;
    private final WebSocketChannels channels;
    private final List<InboundPipe> uploads = new ArrayList<>();
    private final List<PortForwarder> forwarders = new ArrayList<>();

    WebSocketPortForwardHandler(StreamRequest.PortForward request, StreamBackend backend, WebSocketChannels channels) {
        this.request = request;
        this.backend = backend;
        this.channels = channels;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ReadGate gate = new ReadGate(ctx.channel());
        for (int i = 0; i < request.ports().size(); i++) {
            uploads.add(new InboundPipe(gate));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt != WebSocketChannels.HANDSHAKE_DONE) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        AtomicInteger running = new AtomicInteger(request.ports().size());
        for (int i = 0; i < request.ports().size(); i++) {
            int port = request.ports().get(i);
            byte[] portBytes = {(byte) port, (byte) (port >> 8)};
            channels.send(2 * i, Unpooled.wrappedBuffer(portBytes));
            channels.send(2 * i + 1, Unpooled.wrappedBuffer(portBytes.clone()));
            PortForwarder f = new PortForwarder(backend, request.podId(), port, uploads.get(i), channels.output(2 * i), channels.output(2 * i + 1));
            forwarders.add(f);
            f.start(() -> {
                if (running.decrementAndGet() == 0) {
                    channels.close().addListener(x -> ctx.channel().close());
                }
            });
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            switch (msg) {
                case PingWebSocketFrame ping -> ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
                case CloseWebSocketFrame close -> ctx.close();
                case WebSocketFrame frame -> {
                    WebSocketChannels.Message m = channels.decode(frame);
                    if (m != null && m.channel() % 2 == 0 && m.channel() / 2 < uploads.size()) {
                        uploads.get(m.channel() / 2).offer(Unpooled.wrappedBuffer(m.payload()));
                    }
                }
                default -> { }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        forwarders.forEach(PortForwarder::abort);
        uploads.forEach(InboundPipe::close);
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("websocket connection error", "error", String.valueOf(cause.getMessage()));
        ctx.close();
    }
}
