package dev.hako.stream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

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

    /**
     * Says goodbye and drops the connection now. Netty's session handler would otherwise hold the close back
     * until the client closed its side of every stream, which a stuck client never does.
     */
    void closeConnection() {
        channel.writeAndFlush(new DefaultSpdyGoAwayFrame(0)).addListener(f -> {
            ChannelHandlerContext codec = channel.pipeline().context("spdy");
            if (codec != null) {
                codec.close();
            } else {
                channel.close();
            }
        });
    }

    FrameOutputStream output(int streamId) {
        return new FrameOutputStream(payload -> send(streamId, payload), () -> finish(streamId));
    }

    /** Waits briefly for frames to leave before the connection closes, so the last words reach the client. */
    static void awaitQuietly(ChannelFuture f) {
        try {
            f.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void writeQuietly(FrameOutputStream out, String text) {
        try {
            out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the client left; there is no one to tell
        }
    }
}
