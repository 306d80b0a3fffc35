package dev.hako.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * The process-plumbing calls a container monitor needs and plain Java lacks, called in libc through
 * FFM: fifos opened without blocking (a fifo's {@code open} waits for the other end unless
 * {@code O_NONBLOCK} or {@code O_RDWR}), {@code poll} with a timeout, raw reads and writes on those
 * descriptors, and {@code kill} with any signal, to a process or a process group.
 *
 * <p>Descriptors returned here are plain ints and must be {@link #close closed} by the caller; they
 * are opened close-on-exec, so no child process inherits them. Failures throw {@link ErrnoException}.
 */
public final class ProcCalls {
    private ProcCalls() {}

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;

    public static final short POLLIN = 0x001;
    public static final short POLLOUT = 0x004;
    public static final short POLLERR = 0x008;
    public static final short POLLHUP = 0x010;

    public static final int EAGAIN = 11;
    public static final int EINTR = 4;
    public static final int ESRCH = 3;
    public static final int ENXIO = 6;

    /** mkfifo(3) with {@code mode} permissions (before the umask). */
    public static void mkfifo(Path path, int mode) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                r = (int) Mkfifo.H.invokeExact(state, Native.cString(arena, path.toString()), mode);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(r, state, "mkfifo", path.toString());
        }
    }

    /** open(2); {@link #O_CLOEXEC} is always added. Returns the descriptor. */
    public static int open(Path path, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int fd;
            try {
                fd = (int) Open.H.invokeExact(state, Native.cString(arena, path.toString()), flags | O_CLOEXEC, 0);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(fd, state, "open", path.toString());
            return fd;
        }
    }

    /**
     * Waits up to {@code timeoutMillis} (negative: forever) for {@code events} on {@code fd}.
     * Returns the events that occurred ({@code revents}), 0 on timeout; an interrupted wait returns 0.
     * A virtual thread never waits on its carrier: when the descriptor is not ready at once, the wait
     * goes to a platform thread ({@link NativeWaits}) while the virtual thread parks.
     */
    public static int poll(int fd, short events, int timeoutMillis) throws IOException {
        if (timeoutMillis == 0 || !Thread.currentThread().isVirtual()) {
            return pollNow(fd, events, timeoutMillis);
        }
        int ready = pollNow(fd, events, 0);
        return ready != 0 ? ready : NativeWaits.run(() -> pollNow(fd, events, timeoutMillis));
    }

    private static int pollNow(int fd, short events, int timeoutMillis) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment pfd = arena.allocate(POLLFD);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(JAVA_SHORT, 4, events);
            pfd.set(JAVA_SHORT, 6, (short) 0);
            int r;
            try {
                r = (int) Poll.H.invokeExact(state, pfd, 1L, timeoutMillis);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (r == -1) {
                int errno = Native.errno(state);
                if (errno == EINTR) {
                    return 0;
                }
                throw new ErrnoException("poll", "fd " + fd, errno);
            }
            return r == 0 ? 0 : pfd.get(JAVA_SHORT, 6) & 0xffff;
        }
    }

    /**
     * read(2) of up to {@code max} bytes. Returns the bytes read: empty at end of file, null when a
     * non-blocking descriptor has nothing to read now ({@code EAGAIN}).
     */
    public static byte[] read(int fd, int max) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment buf = arena.allocate(Math.max(max, 1));
            while (true) {
                long n;
                try {
                    n = (long) Read.H.invokeExact(state, fd, buf, (long) max);
                } catch (Throwable t) {
                    throw Native.unexpected(t);
                }
                if (n >= 0) {
                    return buf.asSlice(0, n).toArray(JAVA_BYTE);
                }
                int errno = Native.errno(state);
                if (errno == EINTR) {
                    continue;
                }
                if (errno == EAGAIN) {
                    return null;
                }
                throw new ErrnoException("read", "fd " + fd, errno);
            }
        }
    }

    /** write(2) of all of {@code data} (retried on short writes). */
    public static void write(int fd, byte[] data) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment buf = arena.allocateFrom(JAVA_BYTE, data);
            long off = 0;
            while (off < data.length) {
                long n;
                try {
                    n = (long) Write.H.invokeExact(state, fd, buf.asSlice(off), (long) data.length - off);
                } catch (Throwable t) {
                    throw Native.unexpected(t);
                }
                if (n < 0) {
                    int errno = Native.errno(state);
                    if (errno == EINTR) {
                        continue;
                    }
                    throw new ErrnoException("write", "fd " + fd, errno);
                }
                off += n;
            }
        }
    }

    /** close(2); errors are ignored (the descriptor is gone either way on Linux). */
    public static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            try {
                int ignored = (int) Close.H.invokeExact(state, fd);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
        }
    }

    /**
     * kill(2): {@code pid} &gt; 0 signals a process, a negative value the process group {@code -pid}.
     * Returns false when no such process exists ({@code ESRCH}).
     */
    public static boolean kill(int pid, int signal) throws IOException {
        if (pid == 0 || pid == -1) {
            throw new IllegalArgumentException("refusing kill(" + pid + "): it would signal more than one target");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                r = (int) Kill.H.invokeExact(state, pid, signal);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (r == -1) {
                int errno = Native.errno(state);
                if (errno == ESRCH) {
                    return false;
                }
                throw new ErrnoException("kill " + signal, "pid " + pid, errno);
            }
            return true;
        }
    }

    private static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));


    private static void check(int result, MemorySegment state, String call, String what) throws ErrnoException {
        if (result == -1) {
            throw new ErrnoException(call, what, Native.errno(state));
        }
    }




    private static final class Mkfifo {
        static final MethodHandle H = Native.link("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Open {
        static final MethodHandle H = Native.link("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
    }

    private static final class Poll {
        static final MethodHandle H = Native.link("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private static final class Read {
        static final MethodHandle H = Native.link("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    private static final class Write {
        static final MethodHandle H = Native.link("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }

    private static final class Close {
        static final MethodHandle H = Native.link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class Kill {
        static final MethodHandle H = Native.link("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
}
