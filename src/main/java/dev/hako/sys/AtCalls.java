package dev.hako.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The {@code *at} calls on directory descriptors, for walking trees whose paths may be longer than
 * PATH_MAX and whose names may be any bytes (not valid UTF-8): names are raw byte arrays, one
 * component each, never paths. One instance holds the scratch memory of one walk, reused by every
 * call (a walk makes millions), so it is confined to one thread; close it to free that memory.
 * Failures throw {@link ErrnoException}.
 */
final class AtCalls implements AutoCloseable {
    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_REMOVEDIR = 0x200;
    static final int AT_EMPTY_PATH = 0x1000;

    private static final boolean ARM = System.getProperty("os.arch", "").equals("aarch64");
    static final int O_RDONLY = 0;
    /** arm64 numbers these two differently from x86-64 (and from the generic table). */
    static final int O_DIRECTORY = ARM ? 040000 : 0200000;
    static final int O_NOFOLLOW = ARM ? 0100000 : 0400000;
    static final int O_CLOEXEC = 02000000;
    static final int O_PATH = 010000000;

    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;

    /** d_type values of getdents64. */
    static final int DT_UNKNOWN = 0;
    static final int DT_DIR = 4;

    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final long STATX_ATTR_MOUNT_ROOT = 0x2000;
    private static final int STATX_SIZE = 256;
    private static final int PATH_MAX = 4096;
    private static final int DENTS_SIZE = 64 * 1024;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment state = arena.allocate(Native.STATE);
    private final MemorySegment name = arena.allocate(PATH_MAX); // a name, or the path a walk starts from
    private final MemorySegment statx = arena.allocate(STATX_SIZE, 8);
    private final MemorySegment dents = arena.allocate(DENTS_SIZE, 8);

    /** What the walks need of statx(2): type and permissions, owner, inode, device and mount-root-ness. */
    record Stat(int mode, int uid, int gid, long ino, long dev, boolean mountRoot) {
        boolean isDirectory() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        boolean sameInode(Stat other) {
            return ino == other.ino && dev == other.dev;
        }
    }

    /** openat(2) of one name (or {@code ".."}) in {@code dirfd}; {@link #O_CLOEXEC} is always added. */
    int openat(int dirfd, byte[] component, int flags) throws ErrnoException {
        MemorySegment n = cName(component);
        int fd;
        try {
            fd = (int) Openat.H.invokeExact(state, dirfd, n, flags | O_CLOEXEC, 0);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        return check(fd, "openat", component);
    }

    /** open(2) of a whole path (the trusted start of a walk). */
    int open(String path, int flags) throws ErrnoException {
        return openat(AT_FDCWD, path.getBytes(StandardCharsets.UTF_8), flags);
    }

    /** unlinkat(2); {@code flags} is 0 or {@link #AT_REMOVEDIR}. */
    void unlinkat(int dirfd, byte[] component, int flags) throws ErrnoException {
        MemorySegment n = cName(component);
        int r;
        try {
            r = (int) Unlinkat.H.invokeExact(state, dirfd, n, flags);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        check(r, flags == AT_REMOVEDIR ? "rmdir" : "unlink", component);
    }

    /** mkdirat(2). */
    void mkdirat(int dirfd, byte[] component, int mode) throws ErrnoException {
        MemorySegment n = cName(component);
        int r;
        try {
            r = (int) Mkdirat.H.invokeExact(state, dirfd, n, mode);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        check(r, "mkdirat", component);
    }

    /** statx(2) of {@code component} in {@code dirfd}, never following a symlink. */
    Stat stat(int dirfd, byte[] component) throws ErrnoException {
        return statx(dirfd, component, AT_SYMLINK_NOFOLLOW);
    }

    /** statx(2) of the open descriptor itself. */
    Stat stat(int fd) throws ErrnoException {
        return statx(fd, new byte[0], AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
    }

    private Stat statx(int dirfd, byte[] component, int flags) throws ErrnoException {
        MemorySegment n = cName(component);
        int r;
        try {
            r = (int) Statx.H.invokeExact(state, dirfd, n, flags, STATX_BASIC_STATS, statx);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        check(r, "statx", component);
        // struct statx: the offsets are the same on every architecture
        long attributes = statx.get(JAVA_LONG, 8);
        long attributesMask = statx.get(JAVA_LONG, 56);
        int mode = statx.get(JAVA_SHORT, 28) & 0xffff;
        long dev = ((long) statx.get(JAVA_INT, 136) << 32) | (statx.get(JAVA_INT, 140) & 0xffffffffL);
        boolean mountRoot = (attributesMask & STATX_ATTR_MOUNT_ROOT) != 0 && (attributes & STATX_ATTR_MOUNT_ROOT) != 0;
        return new Stat(mode, statx.get(JAVA_INT, 20), statx.get(JAVA_INT, 24), statx.get(JAVA_LONG, 32), dev, mountRoot);
    }

    /** fchmod(2) on an open descriptor: no path, so nothing can be swapped under it. */
    void fchmod(int fd, int mode) throws ErrnoException {
        int r;
        try {
            r = (int) Fchmod.H.invokeExact(state, fd, mode);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        check(r, "fchmod", ("fd " + fd).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * chmod of the inode an {@link #O_PATH} descriptor holds, through its {@code /proc/self/fd} link
     * (fchmod refuses O_PATH descriptors): how to unlock a directory one may not open.
     */
    void chmodOpath(int opathFd, int mode) throws ErrnoException {
        byte[] path = ("/proc/self/fd/" + opathFd).getBytes(StandardCharsets.UTF_8);
        MemorySegment n = cName(path);
        int r;
        try {
            r = (int) Fchmodat.H.invokeExact(state, AT_FDCWD, n, mode, 0);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        check(r, "chmod", path);
    }

    /** One directory entry: its name and its getdents64 {@code d_type}. */
    record Entry(byte[] name, int type) {}

    /**
     * The next batch of entries of {@code fd} (getdents64(2)), {@code .} and {@code ..} left out;
     * null at the end of the directory. A batch may be empty when it held only those two.
     */
    java.util.List<Entry> readBatch(int fd) throws ErrnoException {
        long n;
        try {
            n = (long) Getdents64.H.invokeExact(state, fd, dents, (long) DENTS_SIZE);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (n == -1) {
            throw new ErrnoException("getdents64", "fd " + fd, Native.errno(state));
        }
        if (n == 0) {
            return null;
        }
        java.util.List<Entry> out = new java.util.ArrayList<>();
        // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
        for (long off = 0; off < n; ) {
            int reclen = dents.get(JAVA_SHORT, off + 16) & 0xffff;
            int type = dents.get(JAVA_BYTE, off + 18) & 0xff;
            long start = off + 19;
            long end = start;
            while (dents.get(JAVA_BYTE, end) != 0) {
                end++;
            }
            byte[] entryName = dents.asSlice(start, end - start).toArray(JAVA_BYTE);
            if (!isDot(entryName)) {
                out.add(new Entry(entryName, type));
            }
            off += reclen;
        }
        return out;
    }

    static void close(int fd) {
        ProcCalls.close(fd);
    }

    @Override
    public void close() {
        arena.close();
    }

    private static boolean isDot(byte[] n) {
        return (n.length == 1 && n[0] == '.') || (n.length == 2 && n[0] == '.' && n[1] == '.');
    }

    /** The component NUL-terminated in the reused buffer; a NUL or over-long name is refused as the kernel would. */
    private MemorySegment cName(byte[] component) throws ErrnoException {
        if (component.length >= name.byteSize()) {
            throw new ErrnoException("name", printable(component), Errno.ENAMETOOLONG);
        }
        for (byte b : component) {
            if (b == 0) {
                throw new ErrnoException("name", printable(component), Errno.EINVAL);
            }
        }
        MemorySegment.copy(component, 0, name, JAVA_BYTE, 0, component.length);
        name.set(JAVA_BYTE, component.length, (byte) 0);
        return name;
    }

    private int check(int result, String call, byte[] component) throws ErrnoException {
        if (result == -1) {
            throw new ErrnoException(call, printable(component), Native.errno(state));
        }
        return result;
    }

    /** A name for messages: the bytes as UTF-8 where they are, escapes elsewhere; capped. */
    static String printable(byte[] component) {
        String s = new String(component, 0, Math.min(component.length, 200), StandardCharsets.UTF_8);
        return component.length > 200 ? s + "…" : s;
    }

    private static final class Openat {
        // openat(2) is variadic: the mode argument is the first variadic one
        static final MethodHandle H = Native.link("openat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(3));
    }

    private static final class Unlinkat {
        static final MethodHandle H = Native.link("unlinkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Mkdirat {
        static final MethodHandle H = Native.link("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Statx {
        static final MethodHandle H = Native.link("statx",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    }

    private static final class Fchmod {
        static final MethodHandle H = Native.link("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class Fchmodat {
        static final MethodHandle H = Native.link("fchmodat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }

    private static final class Getdents64 {
        static final MethodHandle H = Native.link("getdents64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    }
}
