package dev.hako.stream;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * Bytes from the client (stdin, a forwarded connection's upload) handed from the event loop to a blocking reader.
 * Above the high-water mark the connection stops reading; read() returns -1 once the client finished or left.
 */
final class InboundPipe extends InputStream {
    static final int HIGH_WATER = 256 * 1024;

    private final ArrayDeque<ByteBuf> chunks = new ArrayDeque<>();
    private final ReadGate gate;
    private int buffered;
    private boolean finished;
    private boolean closed;
    private boolean pausing;

    InboundPipe(ReadGate gate) {
        this.gate = gate;
    }

    /** Called on the event loop; takes its own reference to data. */
    synchronized void offer(ByteBuf data) {
        if (finished || closed || !data.isReadable()) {
            return;
        }
        chunks.add(data.retainedSlice());
        buffered += data.readableBytes();
        if (buffered >= HIGH_WATER && !pausing) {
            pausing = true;
            gate.pause();
        }
        notifyAll();
    }

    /** The client will send no more (FIN, reset, or the connection ended). */
    synchronized void finish() {
        finished = true;
        notifyAll();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (chunks.isEmpty()) {
            if (finished || closed) {
                return -1;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for client input");
            }
        }
        int n = 0;
        while (n < len && !chunks.isEmpty()) {
            ByteBuf head = chunks.peek();
            int take = Math.min(len - n, head.readableBytes());
            head.readBytes(b, off + n, take);
            n += take;
            if (!head.isReadable()) {
                chunks.poll().release();
            }
        }
        buffered -= n;
        if (pausing && buffered <= HIGH_WATER / 2) {
            pausing = false;
            gate.resume();
        }
        return n;
    }

    @Override
    public synchronized int available() {
        return buffered;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        chunks.forEach(ByteBuf::release);
        chunks.clear();
        buffered = 0;
        if (pausing) {
            pausing = false;
            gate.resume();
        }
        notifyAll();
    }
}
