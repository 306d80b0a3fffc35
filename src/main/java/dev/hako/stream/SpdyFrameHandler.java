package dev.hako.stream;

import dev.hako.log.Log;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * What every SPDY session here does with the frames the client sends: new streams, data and resets go to
 * the protocol; pings are answered; settings and window updates are dropped (no flow control, see
 * {@link SpdyUpgrade}). Every frame is released after it was handled; a connection error ends the session.
 */
abstract class SpdyFrameHandler extends ChannelInboundHandlerAdapter {
    private static final Log LOG = Log.of("stream");

    /** Set in {@code handlerAdded} by the subclass, before any frame arrives. */
    protected SpdyStreams streams;

    protected abstract void onNewStream(ChannelHandlerContext ctx, SpdySynStreamFrame syn);

    protected abstract void onData(SpdyDataFrame data);

    protected abstract void onReset(int streamId);

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            switch (msg) {
                case SpdySynStreamFrame syn -> onNewStream(ctx, syn);
                case SpdyDataFrame data -> onData(data);
                case SpdyRstStreamFrame rst -> onReset(rst.streamId());
                case SpdyPingFrame ping -> streams.answer(ping);
                default -> { }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("spdy connection error", "error", String.valueOf(cause.getMessage()));
        streams.closeConnection();
    }
}
