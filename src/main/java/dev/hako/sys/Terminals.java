package dev.hako.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
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

/**
 * Pseudo-terminal calls: the window size of a pty (what a CRI resize request sets on the master,
 * and the kernel then signals SIGWINCH to the foreground process group), and opening a new pty pair.
 */
public final class Terminals {
    private Terminals() {}

    // the asm-generic values, shared by x86-64 and arm64
    private static final long TIOCGWINSZ = 0x5413;
    private static final long TIOCSWINSZ = 0x5414;
    private static final int O_NOCTTY = 0400;

    private static final StructLayout WINSIZE = MemoryLayout.structLayout(
            JAVA_SHORT.withName("ws_row"), JAVA_SHORT.withName("ws_col"),
            JAVA_SHORT.withName("ws_xpixel"), JAVA_SHORT.withName("ws_ypixel"));

    /** A terminal's size in character cells. */
    public record TerminalSize(int rows, int cols) {}

    /** Sets the window size of the terminal {@code fd} (master or slave) to {@code rows} x {@code cols}. */
    public static void resize(int fd, int rows, int cols) throws IOException {
        if (rows < 0 || rows > 0xffff || cols < 0 || cols > 0xffff) {
            throw new IllegalArgumentException("terminal size " + rows + "x" + cols + " is out of range");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment ws = arena.allocate(WINSIZE);
            ws.set(JAVA_SHORT, 0, (short) rows);
            ws.set(JAVA_SHORT, 2, (short) cols);
            int r;
            try {
                r = (int) Ioctl.H.invokeExact(state, fd, TIOCSWINSZ, ws);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(r, state, "ioctl TIOCSWINSZ", fd);
        }
    }

    /** The window size of the terminal {@code fd}. */
    public static TerminalSize size(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment ws = arena.allocate(WINSIZE);
            int r;
            try {
                r = (int) Ioctl.H.invokeExact(state, fd, TIOCGWINSZ, ws);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(r, state, "ioctl TIOCGWINSZ", fd);
            return new TerminalSize(ws.get(JAVA_SHORT, 0) & 0xffff, ws.get(JAVA_SHORT, 2) & 0xffff);
        }
    }

    /**
     * Opens a new pty master (read-write, close-on-exec, not a controlling terminal) with its slave
     * unlocked; the caller owns the descriptor. {@link #slaveName} names the slave to open.
     */
    public static int openMaster() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int fd;
            try {
                fd = (int) PosixOpenpt.H.invokeExact(state, ProcCalls.O_RDWR | O_NOCTTY | ProcCalls.O_CLOEXEC);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(fd, state, "posix_openpt", -1);
            try {
                int r;
                try {
                    r = (int) Grantpt.H.invokeExact(state, fd);
                } catch (Throwable t) {
                    throw Native.unexpected(t);
                }
                check(r, state, "grantpt", fd);
                try {
                    r = (int) Unlockpt.H.invokeExact(state, fd);
                } catch (Throwable t) {
                    throw Native.unexpected(t);
                }
                check(r, state, "unlockpt", fd);
                return fd;
            } catch (IOException | RuntimeException e) {
                ProcCalls.close(fd);
                throw e;
            }
        }
    }

    /** The path of the slave side of the pty master {@code fd}, such as {@code /dev/pts/3}. */
    public static String slaveName(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment buf = arena.allocate(128);
            int r;
            try {
                r = (int) PtsnameR.H.invokeExact(state, fd, buf, buf.byteSize());
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (r != 0) { // ptsname_r returns the error number rather than setting errno
                throw new ErrnoException("ptsname_r", "fd " + fd, r);
            }
            return buf.getString(0);
        }
    }

    private static void check(int result, MemorySegment state, String call, int fd) throws ErrnoException {
        if (result == -1) {
            throw new ErrnoException(call, fd < 0 ? "/dev/ptmx" : "fd " + fd, Native.errno(state));
        }
    }




    private static final class Ioctl {
        // ioctl(2) is variadic: the argument after the request is the first variadic one
        static final MethodHandle H = Native.link("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
                Linker.Option.firstVariadicArg(2));
    }

    private static final class PosixOpenpt {
        static final MethodHandle H = Native.link("posix_openpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class Grantpt {
        static final MethodHandle H = Native.link("grantpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class Unlockpt {
        static final MethodHandle H = Native.link("unlockpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class PtsnameR {
        static final MethodHandle H = Native.link("ptsname_r", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    }
}
