package dev.hako.stream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Writing to the client's SPDY streams of one connection, from any thread, closing each at most once. */
final class SpdyStreams {
    private final Channel channel;
    private final Set<Integer> finished = ConcurrentHashMap.newKeySet();

    SpdyStreams(Channel channel) {
        this.channel = channel;
    }

    Channel channel() {
        return channel;
    }

    /**
     * The server accepts every stream the client opens; spdystream clients wait for this reply. It echoes the
     * stream type because Netty encodes a header block without headers as nothing at all, which decoders reject.
     */
    void accept(int streamId, String streamType) {
        DefaultSpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(streamId);
        reply.headers().set("streamtype", streamType == null ? "unknown" : streamType);
        channel.writeAndFlush(reply);
    }

    void reset(int streamId) {
        finished.add(streamId);
        channel.writeAndFlush(new DefaultSpdyRstStreamFrame(streamId, SpdyStreamStatus.PROTOCOL_ERROR));
    }

    ChannelFuture send(int streamId, ByteBuf payload) {
        return channel.writeAndFlush(new DefaultSpdyDataFrame(streamId, payload));
    }

    /** Half-closes our side of the stream; the client's reads end. */
    ChannelFuture finish(int streamId) {
        if (!finished.add(streamId)) {
            return channel.newSucceededFuture();
        }
        return channel.writeAndFlush(new DefaultSpdyDataFrame(streamId).setLast(true));
    }

    /** Says goodbye and drops the connection, whatever state the client's halves of the streams are in. */
    void closeConnection() {
        channel.writeAndFlush(new DefaultSpdyGoAwayFrame(0)).addListener(f -> channel.close());
    }

    /** Answers the client's keep-alive pings (odd ids); our own would be even, and we send none. */
    void answer(SpdyPingFrame ping) {
        if ((ping.id() & 1) == 1) {
            channel.writeAndFlush(new DefaultSpdyPingFrame(ping.id()));
        }
    }

    FrameOutputStream output(int streamId) {
        return new FrameOutputStream(payload -> send(streamId, payload), () -> finish(streamId));
    }
}
