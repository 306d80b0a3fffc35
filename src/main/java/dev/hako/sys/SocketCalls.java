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
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The AF_UNIX socket calls {@link SeqpacketSocket} and {@link ConsoleSocket} share. Java's own
 * {@code UnixDomainSocketAddress} channels know neither SOCK_SEQPACKET nor SCM_RIGHTS, and refuse
 * paths longer than {@code sun_path}; here a long path is reached through its parent directory's
 * descriptor ({@code /proc/self/fd/N/name}), as conmon itself does.
 */
final class SocketCalls {
    private SocketCalls() {}

    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_SEQPACKET = 5;
    static final int SOCK_NONBLOCK = 04000;
    static final int SOCK_CLOEXEC = 02000000;
    static final int MSG_TRUNC = 0x20;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int SHUT_WR = 1;

    /** A {@code recv}/{@code send} result: nothing to do right now (EAGAIN). */
    static final long AGAIN = -1;

    private static final int SUN_PATH = 108;
    private static final int O_PATH = 010000000;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int MSG_CTRUNC = 0x8;

    /** An AF_UNIX socket of {@code type}, close-on-exec. */
    static int socket(int type) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int fd;
            try {
                fd = (int) Socket.H.invokeExact(state, AF_UNIX, type | SOCK_CLOEXEC, 0);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(fd, state, "socket", "AF_UNIX");
            return fd;
        }
    }

    static void connect(int fd, Path path) throws IOException {
        address(fd, path, Connect.H, "connect");
    }

    static void bind(int fd, Path path) throws IOException {
        address(fd, path, Bind.H, "bind");
    }

    static void listen(int fd, int backlog) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                r = (int) Listen.H.invokeExact(state, fd, backlog);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(r, state, "listen", "fd " + fd);
        }
    }

    /** accept4(2) with close-on-exec; -1 when a non-blocking listener has no connection waiting. */
    static int accept(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            while (true) {
                int r;
                try {
                    r = (int) Accept4.H.invokeExact(state, fd, MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC);
                } catch (Throwable t) {
                    throw Native.unexpected(t);
                }
                if (r >= 0) {
                    return r;
                }
                int errno = Native.errno(state);
                if (errno == ProcCalls.EAGAIN) {
                    return -1;
                }
                if (errno != ProcCalls.EINTR && errno != Errno.ECONNABORTED) {
                    throw new ErrnoException("accept", "fd " + fd, errno);
                }
            }
        }
    }

    /**
     * recv(2) into {@code buf}; the byte count (the packet's full length with MSG_TRUNC), or {@link #AGAIN}.
     * Errors name {@code what} (the socket's path).
     */
    static long recv(int fd, MemorySegment buf, int flags, String what) throws IOException {
        return transfer(Recv.H, "recv", fd, buf, flags, what);
    }

    /** send(2) of {@code buf}; the bytes sent, or {@link #AGAIN}. Errors name {@code what}. */
    static long send(int fd, MemorySegment buf, int flags, String what) throws IOException {
        return transfer(Send.H, "send", fd, buf, flags, what);
    }

    /** recv or send, retried on EINTR; EAGAIN is {@link #AGAIN} for the caller to poll. */
    private static long transfer(MethodHandle call, String name, int fd, MemorySegment buf, int flags, String what)
            throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            while (true) {
                long n;
                try {
                    n = (long) call.invokeExact(state, fd, buf, buf.byteSize(), flags);
                } catch (Throwable t) {
                    throw Native.unexpected(t);
                }
                if (n >= 0) {
                    return n;
                }
                int errno = Native.errno(state);
                if (errno == ProcCalls.EAGAIN) {
                    return AGAIN;
                }
                if (errno != ProcCalls.EINTR) {
                    throw new ErrnoException(name, what, errno);
                }
            }
        }
    }

    static void shutdown(int fd, int how, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                r = (int) Shutdown.H.invokeExact(state, fd, how);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(r, state, "shutdown", what);
        }
    }

    /**
     * recvmsg(2) of one message carrying SCM_RIGHTS: the first descriptor passed (close-on-exec), -1
     * when nothing is waiting (EAGAIN). Extra descriptors are closed; a message without one throws.
     */
    static int receiveFd(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment data = arena.allocate(4096); // runc sends the pty's name along
            MemorySegment iov = arena.allocate(16);
            iov.set(ADDRESS, 0, data);
            iov.set(JAVA_LONG, 8, data.byteSize());
            int controlSize = 16 + 4 * 16; // cmsghdr plus room for 16 descriptors
            MemorySegment control = arena.allocate(controlSize, 8);
            MemorySegment msg = arena.allocate(56, 8); // struct msghdr on LP64
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1L);
            msg.set(ADDRESS, 32, control);
            msg.set(JAVA_LONG, 40, controlSize);
            long n;
            while (true) {
                try {
                    n = (long) Recvmsg.H.invokeExact(state, fd, msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
                } catch (Throwable t) {
                    throw Native.unexpected(t);
                }
                if (n >= 0) {
                    break;
                }
                int errno = Native.errno(state);
                if (errno == ProcCalls.EAGAIN) {
                    return -1;
                }
                if (errno != ProcCalls.EINTR) {
                    throw new ErrnoException("recvmsg", "fd " + fd, errno);
                }
            }
            int received = -1;
            long controlLen = msg.get(JAVA_LONG, 40);
            long off = 0;
            while (off + 16 <= controlLen) { // walk the cmsghdrs: {size_t len; int level; int type; data…}
                long len = control.get(JAVA_LONG, off);
                if (len < 16 || off + len > controlLen) {
                    break;
                }
                if (control.get(JAVA_INT, off + 8) == SOL_SOCKET && control.get(JAVA_INT, off + 12) == SCM_RIGHTS) {
                    for (long p = off + 16; p + 4 <= off + len; p += 4) {
                        int passed = control.get(JAVA_INT, p);
                        if (received < 0) {
                            received = passed;
                        } else {
                            ProcCalls.close(passed);
                        }
                    }
                }
                off += (len + 7) & ~7L;
            }
            if ((msg.get(JAVA_INT, 48) & MSG_CTRUNC) != 0) {
                ProcCalls.close(received);
                throw new IOException("fd " + fd + ": more descriptors were passed than fit; all were dropped");
            }
            if (received < 0) {
                throw new IOException("fd " + fd + ": a " + n + "-byte message arrived without a descriptor");
            }
            return received;
        }
    }

    /** Sets O_NONBLOCK on the open file description of {@code fd}. */
    static void setNonBlocking(int fd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int flags;
            int r;
            try {
                flags = (int) Fcntl.H.invokeExact(state, fd, F_GETFL, 0);
                r = flags == -1 ? -1 : (int) Fcntl.H.invokeExact(state, fd, F_SETFL, flags | ProcCalls.O_NONBLOCK);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(r, state, "fcntl O_NONBLOCK", "fd " + fd);
        }
    }

    /**
     * Calls {@code connect} or {@code bind} with a {@code sockaddr_un} for {@code path}; a path too long
     * for {@code sun_path} goes through an O_PATH descriptor of its parent directory.
     */
    private static void address(int fd, Path path, MethodHandle call, String name) throws IOException {
        byte[] direct = path.toString().getBytes(StandardCharsets.UTF_8);
        int dirfd = -1;
        try (Arena arena = Arena.ofConfined()) {
            byte[] bytes = direct;
            if (bytes.length >= SUN_PATH) {
                Path parent = path.toAbsolutePath().getParent();
                Path file = path.getFileName();
                if (parent == null || file == null) {
                    throw new ErrnoException(name, path.toString(), Errno.ENAMETOOLONG);
                }
                dirfd = ProcCalls.open(parent, O_PATH);
                bytes = ("/proc/self/fd/" + dirfd + "/" + file).getBytes(StandardCharsets.UTF_8);
                if (bytes.length >= SUN_PATH) {
                    throw new ErrnoException(name, path + " (its file name alone is too long)", Errno.ENAMETOOLONG);
                }
            }
            for (byte b : bytes) {
                if (b == 0) {
                    throw new IOException("\"" + path + "\" contains a NUL character");
                }
            }
            MemorySegment addr = arena.allocate(2 + SUN_PATH, 2); // struct sockaddr_un
            addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
            MemorySegment.copy(bytes, 0, addr, JAVA_BYTE, 2, bytes.length);
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                r = (int) call.invokeExact(state, fd, addr, 2 + bytes.length + 1);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (r == -1) {
                int errno = Native.errno(state);
                if (errno != ProcCalls.EINTR || !name.equals("connect")) {
                    throw new ErrnoException(name, path.toString(), errno);
                }
                // a connect interrupted by a signal goes on in the kernel: wait until it is done (a
                // failure then shows on the first read or write)
                ProcCalls.poll(fd, ProcCalls.POLLOUT, -1);
            }
        } finally {
            ProcCalls.close(dirfd);
        }
    }

    private static void check(int result, MemorySegment state, String call, String what) throws ErrnoException {
        if (result == -1) {
            throw new ErrnoException(call, what, Native.errno(state));
        }
    }




    private static final class Socket {
        static final MethodHandle H = Native.link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class Connect {
        static final MethodHandle H = Native.link("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Bind {
        static final MethodHandle H = Native.link("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Listen {
        static final MethodHandle H = Native.link("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class Accept4 {
        static final MethodHandle H = Native.link("accept4",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    private static final class Recv {
        static final MethodHandle H = Native.link("recv",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private static final class Send {
        static final MethodHandle H = Native.link("send",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private static final class Recvmsg {
        static final MethodHandle H = Native.link("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Shutdown {
        static final MethodHandle H = Native.link("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class Fcntl {
        // fcntl(2) is variadic: the argument after the command is the first variadic one
        static final MethodHandle H = Native.link("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
    }
}
