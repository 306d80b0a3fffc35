package dev.hako.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
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

/**
 * The calls that act on the calling thread's own namespaces: unshare(2) of net, UTS and IPC, the
 * hostname in its UTS namespace, and the loopback interface of its network namespace. Only for a
 * thread that ends right after (see {@link NamespacePins#create}): it never comes back to the host's.
 */
final class ThreadNamespaces {
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final short IFF_UP = 0x1;
    /** struct ifreq: a 16-byte name, then a union whose first member is the short flags; 40 bytes on 64-bit. */
    private static final long IFREQ_SIZE = 40;
    private static final long IFR_FLAGS = 16;

    private ThreadNamespaces() {}

    /** unshare(2) of {@code flags} (CLONE_NEWNET, CLONE_NEWUTS, CLONE_NEWIPC) for the calling thread. */
    static void unshare(int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                r = (int) Unshare.H.invokeExact(state, flags);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (r == -1) {
                throw new ErrnoException("unshare", "namespaces 0x" + Integer.toHexString(flags), Native.errno(state));
            }
        }
    }

    /** sethostname(2) in the calling thread's UTS namespace. */
    static void sethostname(String name) throws IOException {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment buf = arena.allocate(bytes.length + 1L);
            MemorySegment.copy(bytes, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, bytes.length);
            int r;
            try {
                r = (int) Sethostname.H.invokeExact(state, buf, (long) bytes.length);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (r == -1) {
                throw new ErrnoException("sethostname", name, Native.errno(state));
            }
        }
    }


    /** Sets {@code lo} up in the calling thread's network namespace, as {@code ip link set lo up} does. */
    static void loopbackUp() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int fd;
            try {
                fd = (int) Socket.H.invokeExact(state, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (fd == -1) {
                throw new ErrnoException("socket", "to set lo up", Native.errno(state));
            }
            try {
                MemorySegment ifr = arena.allocate(IFREQ_SIZE);
                ifr.setString(0, "lo");
                ioctl(state, fd, SIOCGIFFLAGS, ifr, "SIOCGIFFLAGS");
                short flags = ifr.get(JAVA_SHORT, IFR_FLAGS);
                if ((flags & IFF_UP) == 0) {
                    ifr.set(JAVA_SHORT, IFR_FLAGS, (short) (flags | IFF_UP));
                    ioctl(state, fd, SIOCSIFFLAGS, ifr, "SIOCSIFFLAGS");
                }
            } finally {
                ProcCalls.close(fd);
            }
        }
    }

    private static void ioctl(MemorySegment state, int fd, long request, MemorySegment ifr, String what)
            throws IOException {
        int r;
        try {
            r = (int) Ioctl.H.invokeExact(state, fd, request, ifr);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (r == -1) {
            throw new ErrnoException("ioctl " + what, "lo", Native.errno(state));
        }
    }

    private static final class Unshare {
        static final MethodHandle H = Native.link("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class Sethostname {
        static final MethodHandle H = Native.link("sethostname", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    }

    private static final class Socket {
        static final MethodHandle H = Native.link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class Ioctl {
        // int ioctl(int fd, unsigned long request, ...): here with one pointer argument
        static final MethodHandle H = Native.link("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
                Linker.Option.firstVariadicArg(2));
    }
}
