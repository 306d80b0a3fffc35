package dev.hako.sys;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A client of an AF_UNIX SOCK_SEQPACKET socket, such as conmon's attach socket: each
 * {@link #write} is one packet and each {@link #read} returns one, boundaries kept. Reads wait with
 * {@code poll} for at most their timeout, so a caller (often a virtual thread, which a native call
 * pins to its carrier) loops with short timeouts and can notice interruption or shutdown in between.
 *
 * <p>One reader and one writer may run concurrently; {@link #close} from any thread is safe while
 * they run: the descriptor is closed once the last running call returns.
 */
public final class SeqpacketSocket implements AutoCloseable {
    private static final int SLICE_MILLIS = 100;

    private final FdRef fd;
    private final String name;

    private SeqpacketSocket(FdRef fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /** Connects to the socket at {@code path}, which may be longer than {@code sun_path} (108 bytes). */
    public static SeqpacketSocket connect(Path path) throws IOException {
        int fd = SocketCalls.socket(SocketCalls.SOCK_SEQPACKET);
        try {
            SocketCalls.connect(fd, path);
        } catch (IOException | RuntimeException e) {
            ProcCalls.close(fd);
            throw e;
        }
        return new SeqpacketSocket(new FdRef(fd), path.toString());
    }

    /**
     * Waits up to {@code timeoutMillis} for one packet and copies it into {@code buf}. Returns its
     * length, 0 when none arrived in time, -1 once the peer closed its end or this socket was closed
     * meanwhile. The wait goes in slices, so a {@link #close} or an interrupt ({@link
     * InterruptedIOException}) ends it early. A packet larger than {@code buf} is consumed and
     * reported with an IOException, since its tail is lost.
     */
    public int read(byte[] buf, int timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(timeoutMillis, 0));
        int f = fd.acquire();
        try {
            while (true) {
                if (!fd.isOpen()) {
                    return -1;
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedIOException(name + ": interrupted while waiting for a packet");
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (ProcCalls.poll(f, ProcCalls.POLLIN, (int) Math.clamp(left, 0, SLICE_MILLIS)) != 0) {
                    break;
                }
                if (left <= 0) {
                    return 0;
                }
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(Math.max(buf.length, 1));
                long n = SocketCalls.recv(f, seg.asSlice(0, buf.length),
                        SocketCalls.MSG_DONTWAIT | SocketCalls.MSG_TRUNC, name);
                if (n == SocketCalls.AGAIN) {
                    return 0;
                }
                if (n == 0) {
                    return -1; // conmon never sends empty packets: 0 is the peer's orderly close
                }
                if (n > buf.length) {
                    throw new IOException(name + ": a " + n + "-byte packet did not fit a " + buf.length
                            + "-byte buffer");
                }
                MemorySegment.copy(seg, JAVA_BYTE, 0, buf, 0, (int) n);
                return (int) n;
            }
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ECONNRESET) {
                return -1;
            }
            throw e;
        } finally {
            fd.release();
        }
    }

    /** Sends {@code len} bytes from {@code buf} as one packet, waiting while the peer's queue is full. */
    public void write(byte[] buf, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        int f = fd.acquire();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(Math.max(len, 1)).asSlice(0, len);
            MemorySegment.copy(buf, off, seg, JAVA_BYTE, 0, len);
            while (true) {
                long n = SocketCalls.send(f, seg, SocketCalls.MSG_DONTWAIT | SocketCalls.MSG_NOSIGNAL, name);
                if (n != SocketCalls.AGAIN) {
                    return; // a seqpacket send is all or nothing
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedIOException(name + ": interrupted while the peer's queue was full");
                }
                if (!fd.isOpen()) {
                    throw new IOException(name + " is closed");
                }
                ProcCalls.poll(f, ProcCalls.POLLOUT, SLICE_MILLIS);
            }
        } finally {
            fd.release();
        }
    }

    /** Tells the peer no more packets will come (it reads end-of-file); reading goes on. */
    public void shutdownOutput() throws IOException {
        int f = fd.acquire();
        try {
            SocketCalls.shutdown(f, SocketCalls.SHUT_WR, name);
        } finally {
            fd.release();
        }
    }

    /** Closes the socket; calls running on other threads finish first. Idempotent. */
    @Override
    public void close() {
        fd.disown();
    }
}
