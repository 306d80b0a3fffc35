package dev.hako.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/**
 * The file-system calls plain Java cannot make, called in libc through FFM: device nodes and fifos,
 * extended attributes, symlinks with their target text kept verbatim, timestamps without opening the
 * file, and syncfs. (JDK 25's {@code setTimes} with {@code NOFOLLOW_LINKS} opens the file for
 * {@code futimens}: that blocks on a fifo and opens a device node. Its {@code unix:uid} with
 * {@code NOFOLLOW_LINKS} is a real lchown, and {@code unix:mode} a plain chmod.)
 *
 * <p>Each handle is linked on first use (one holder class per function), since linking costs
 * start-up time and most daemons never create a device node. Failures throw {@link ErrnoException}.
 */
public final class FileCalls {
    private FileCalls() {}

    /** File-type bits of {@code st_mode} (the same on every Linux architecture). */
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;

    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 02000000;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;

    /** glibc's encoding of a device number: 12+20 bits of major, 8+24 bits of minor, interleaved. */
    public static long makedev(int major, int minor) {
        long ma = major & 0xffffffffL;
        long mi = minor & 0xffffffffL;
        return ((ma & 0x00000fffL) << 8) | ((ma & 0xfffff000L) << 32)
                | (mi & 0x000000ffL) | ((mi & 0xffffff00L) << 12);
    }

    /** Creates a device node or fifo; {@code mode} carries the file type ({@link #S_IFCHR}…) and permissions. */
    public static void mknod(Path path, int mode, long dev) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                r = (int) Mknod.H.invokeExact(state, Native.cString(arena, path.toString()), mode, dev);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(r, state, "mknod", path);
        }
    }

    /** symlink(2) with the target exactly as given: {@link Path} would drop a trailing or doubled slash. */
    public static void symlink(String target, Path link) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                r = (int) Symlink.H.invokeExact(state, Native.cString(arena, target), Native.cString(arena, link.toString()));
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(r, state, "symlink", link);
        }
    }

    /** lchown(2): both ids in one call (Java's {@code unix:uid} and {@code unix:gid} need one call each). */
    public static void lchown(Path path, int uid, int gid) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                r = (int) Lchown.H.invokeExact(state, Native.cString(arena, path.toString()), uid, gid);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(r, state, "lchown", path);
        }
    }

    /** utimensat(2) on {@code path} itself (a symlink is not followed), to nanoseconds, without opening it. */
    public static void setTimes(Path path, FileTime accessed, FileTime modified) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment times = arena.allocate(JAVA_LONG, 4); // struct timespec[2]: {tv_sec, tv_nsec} each
            Instant a = accessed.toInstant();
            Instant m = modified.toInstant();
            times.setAtIndex(JAVA_LONG, 0, a.getEpochSecond());
            times.setAtIndex(JAVA_LONG, 1, a.getNano());
            times.setAtIndex(JAVA_LONG, 2, m.getEpochSecond());
            times.setAtIndex(JAVA_LONG, 3, m.getNano());
            int r;
            try {
                r = (int) Utimensat.H.invokeExact(state, AT_FDCWD, Native.cString(arena, path.toString()), times,
                        AT_SYMLINK_NOFOLLOW);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(r, state, "utimensat", path);
        }
    }

    /** Sets an extended attribute on {@code path} itself, not on what a symlink points to. */
    public static void lsetxattr(Path path, String name, byte[] value) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment data = value.length == 0 ? MemorySegment.NULL : arena.allocateFrom(JAVA_BYTE, value);
            int r;
            try {
                r = (int) Lsetxattr.H.invokeExact(state, Native.cString(arena, path.toString()), Native.cString(arena, name), data,
                        (long) value.length, 0);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(r, state, "lsetxattr " + name, path);
        }
    }

    /** The value of an extended attribute of {@code path} itself, or null when it has none by that name. */
    public static byte[] lgetxattr(Path path, String name) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment file = Native.cString(arena, path.toString());
            MemorySegment key = Native.cString(arena, name);
            while (true) {
                long size = getxattr(state, file, key, MemorySegment.NULL, 0);
                if (size >= 0) {
                    MemorySegment buf = arena.allocate(Math.max(size, 1));
                    long got = getxattr(state, file, key, buf, size);
                    if (got >= 0) {
                        return buf.asSlice(0, got).toArray(JAVA_BYTE);
                    }
                }
                int errno = Native.errno(state);
                if (errno == Errno.ENODATA) {
                    return null;
                }
                if (errno != Errno.ERANGE) { // ERANGE: the value grew between the two calls
                    throw new ErrnoException("lgetxattr " + name, path.toString(), errno);
                }
            }
        }
    }

    /** Flushes the whole file system holding {@code path} to disk: one call instead of an fsync per file. */
    public static void syncfs(Path path) throws IOException {
        NativeWaits.run(() -> syncfsNow(path)); // seconds on a busy disk: never on a carrier
    }

    private static Void syncfsNow(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int fd;
            try {
                fd = (int) Open.H.invokeExact(state, Native.cString(arena, path.toString()), O_RDONLY | O_CLOEXEC, 0);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            check(fd, state, "open", path);
            try {
                int r;
                try {
                    r = (int) Syncfs.H.invokeExact(state, fd);
                } catch (Throwable t) {
                    throw Native.unexpected(t);
                }
                check(r, state, "syncfs", path);
            } finally {
                try {
                    int ignored = (int) Close.H.invokeExact(state, fd);
                } catch (Throwable t) {
                    throw Native.unexpected(t);
                }
            }
            return null;
        }
    }

    private static long getxattr(MemorySegment state, MemorySegment file, MemorySegment key, MemorySegment buf,
            long size) {
        try {
            return (long) Lgetxattr.H.invokeExact(state, file, key, buf, size);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }


    private static void check(int result, MemorySegment state, String call, Path path) throws ErrnoException {
        if (result == -1) {
            throw new ErrnoException(call, path.toString(), Native.errno(state));
        }
    }




    private static final class Mknod {
        static final MethodHandle H = Native.link("mknod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    }

    private static final class Symlink {
        static final MethodHandle H = Native.link("symlink", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class Lchown {
        static final MethodHandle H = Native.link("lchown", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }

    private static final class Utimensat {
        static final MethodHandle H = Native.link("utimensat",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    private static final class Lsetxattr {
        static final MethodHandle H = Native.link("lsetxattr",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private static final class Lgetxattr {
        static final MethodHandle H = Native.link("lgetxattr",
                FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    }

    private static final class Open {
        // open(2) is variadic: the mode argument is the first variadic one
        static final MethodHandle H = Native.link("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                Linker.Option.firstVariadicArg(2));
    }

    private static final class Syncfs {
        static final MethodHandle H = Native.link("syncfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class Close {
        static final MethodHandle H = Native.link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
}
