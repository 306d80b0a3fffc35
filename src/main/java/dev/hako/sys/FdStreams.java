package dev.hako.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Java streams over a raw descriptor (a pty master, a pipe, a socket) that never block in the kernel
 * for long: each read or write waits with {@code poll} in short slices, so an interrupt of the
 * calling thread ({@link InterruptedIOException}) or a {@code close()} of the stream from another
 * thread ends it within one slice. The descriptor is switched to O_NONBLOCK on first use.
 *
 * <p>Ownership: {@link #input} and {@link #output} take the descriptor over. Every stream made over
 * the same fd shares it, and the fd is closed exactly once, when the last of them is closed (and no
 * read or write is still running on it). So: make all the streams for an fd before closing any,
 * never close the fd yourself, and {@code dup} it first if it must outlive the streams. Other calls
 * on the raw fd (such as {@link Terminals#resize}) are safe only while one of its streams is open. A read
 * returns -1 at end of file, after the pty slave side closed (EIO on the master) and after its own
 * stream was closed.
 */
public final class FdStreams {
    private static final int SLICE_MILLIS = 50;

    /** What {@link Share#ready} returns when the stream is closed, and when the slice passed without readiness. */
    private static final int CLOSED = -1;
    private static final int NOT_YET = -2;

    /** The descriptors handed to streams that are still open, by number. */
    private static final Map<Integer, FdRef> SHARED = new HashMap<>();

    private FdStreams() {}

    /** An input stream over {@code fd}, which it shares with the other streams over it (see the class comment). */
    public static InputStream input(int fd) {
        return new In(share(fd));
    }

    /** An output stream over {@code fd}, which it shares with the other streams over it (see the class comment). */
    public static OutputStream output(int fd) {
        return new Out(share(fd));
    }

    private static FdRef share(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("fd " + fd + " is not a descriptor");
        }
        synchronized (SHARED) {
            FdRef ref = SHARED.get(fd);
            if (ref == null || !ref.retain()) { // a closed entry is a file that had this number before
                ref = new FdRef(fd);
                SHARED.put(fd, ref);
            }
            return ref;
        }
    }

    private static void unshare(FdRef ref) {
        synchronized (SHARED) {
            ref.disown();
            if (!ref.isOpen()) {
                SHARED.remove(ref.fd(), ref);
            }
        }
    }

    /** One stream's share of the descriptor: its own closed flag, and the wait in slices. */
    private static final class Share {
        final FdRef ref;
        private volatile boolean closed;
        private volatile boolean nonBlocking;

        Share(FdRef ref) {
            this.ref = ref;
        }

        /**
         * Waits up to one slice for {@code events}. When they came, returns the fd acquired for one call
         * (the caller releases it); otherwise {@link #NOT_YET} or {@link #CLOSED}, with nothing held.
         */
        int ready(short events) throws IOException {
            if (closed) {
                return CLOSED;
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException("fd " + ref.fd() + ": interrupted");
            }
            int f = ref.acquire();
            try {
                if (!nonBlocking) {
                    SocketCalls.setNonBlocking(f);
                    nonBlocking = true;
                }
                if (ProcCalls.poll(f, events, SLICE_MILLIS) != 0) {
                    return f;
                }
            } catch (IOException | RuntimeException e) {
                ref.release();
                throw e;
            }
            ref.release();
            return NOT_YET;
        }

        void closeShare() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            unshare(ref);
        }
    }

    private static final class In extends InputStream {
        private final Share share;

        In(FdRef ref) {
            this.share = new Share(ref);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            while (true) {
                int f = share.ready(ProcCalls.POLLIN);
                if (f == CLOSED) {
                    return -1;
                }
                if (f == NOT_YET) {
                    continue;
                }
                try {
                    byte[] data = ProcCalls.read(f, len);
                    if (data == null) {
                        continue; // readiness was spurious
                    }
                    if (data.length == 0) {
                        return -1;
                    }
                    System.arraycopy(data, 0, b, off, data.length);
                    return data.length;
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.EIO) {
                        return -1; // a pty master once every slave descriptor closed
                    }
                    throw e;
                } finally {
                    share.ref.release();
                }
            }
        }

        @Override
        public void close() {
            share.closeShare();
        }
    }

    private static final class Out extends OutputStream {
        private final Share share;

        Out(FdRef ref) {
            this.share = new Share(ref);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(len);
                MemorySegment.copy(b, off, buf, JAVA_BYTE, 0, len);
                long done = 0;
                while (done < len) {
                    int f = share.ready(ProcCalls.POLLOUT);
                    if (f == CLOSED) {
                        throw new IOException("fd " + share.ref.fd() + ": stream closed with "
                                + (len - done) + " bytes unwritten");
                    }
                    if (f == NOT_YET) {
                        continue;
                    }
                    try {
                        done += writeSome(f, buf.asSlice(done));
                    } finally {
                        share.ref.release();
                    }
                }
            }
        }

        @Override
        public void close() {
            share.closeShare();
        }
    }

    /** One write(2) on a non-blocking fd: the bytes written, 0 when it is full (EAGAIN) or interrupted. */
    private static long writeSome(int fd, MemorySegment buf) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            long n;
            try {
                n = (long) Write.H.invokeExact(state, fd, buf, buf.byteSize());
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (n >= 0) {
                return n;
            }
            int errno = Native.errno(state);
            if (errno == ProcCalls.EAGAIN || errno == ProcCalls.EINTR) {
                return 0;
            }
            throw new ErrnoException("write", "fd " + fd, errno);
        }
    }




    private static final class Write {
        static final MethodHandle H = Native.link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
}
