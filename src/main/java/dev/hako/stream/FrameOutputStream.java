package dev.hako.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Output to the client as protocol frames. Each write waits until its frame reached the socket, so a slow
 * client slows the writer down and at most one chunk per stream is ever queued.
 */
final class FrameOutputStream extends OutputStream {
    static final int CHUNK = 32 * 1024;

    /** Sends one frame with this payload; safe to call from any thread. */
    interface FrameSender {
        ChannelFuture send(ByteBuf payload);
    }

    private final FrameSender sender;
    private final Runnable onClose;
    private final AtomicBoolean closed = new AtomicBoolean();

    FrameOutputStream(FrameSender sender, Runnable onClose) {
        this.sender = sender;
        this.onClose = onClose;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed.get()) {
            throw new IOException("stream closed");
        }
        for (int at = 0; at < len; at += CHUNK) {
            int n = Math.min(CHUNK, len - at);
            await(sender.send(Unpooled.copiedBuffer(b, off + at, n)));
        }
    }

    /** Sends an empty frame, which some clients take as "the session is up". */
    void writeEmpty() throws IOException {
        await(sender.send(Unpooled.EMPTY_BUFFER));
    }

    static void await(ChannelFuture f) throws IOException {
        try {
            f.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing to the client");
        }
        if (!f.isSuccess()) {
            throw new IOException("client connection lost", f.cause());
        }
    }

    /** Writes a last word (an error report) that nobody may be left to read. */
    void writeQuietly(String text) {
        try {
            write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the client left; there is no one to tell
        }
    }

    /** Waits briefly for frames to leave before the connection closes, so the last words reach the client. */
    static void awaitQuietly(ChannelFuture f) {
        try {
            f.await(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            onClose.run();
        }
    }
}
