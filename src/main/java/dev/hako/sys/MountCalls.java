package dev.hako.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * mount(2) and umount2(2) through FFM. Mounts belong to the process's mount namespace, which every
 * thread of the JVM shares, so these may be called from any thread, virtual ones included (they wait
 * on a platform thread then, see {@link NativeWaits}). Failures
 * throw {@link ErrnoException} naming the call, the target and the errno.
 */
public final class MountCalls {
    private MountCalls() {}

    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_REMOUNT = 32;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_PRIVATE = 1L << 18;
    public static final long MS_SLAVE = 1L << 19;

    /** umount2 flags. */
    public static final int MNT_DETACH = 2;
    public static final int UMOUNT_NOFOLLOW = 8;

    private static final int CLONE_FS = 0x200;

    /**
     * mount(2). {@code source}, {@code fstype} and {@code data} may be null (a bind or a propagation
     * change needs none of them).
     */
    public static void mount(String source, Path target, String fstype, long flags, String data) throws IOException {
        NativeWaits.run(() -> mountNow(source, target, fstype, flags, data)); // an overlay mount may wait on the disk
    }

    private static Void mountNow(String source, Path target, String fstype, long flags, String data) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                r = (int) Mount.H.invokeExact(state, Native.cString(arena, source), Native.cString(arena, target.toString()),
                        Native.cString(arena, fstype), flags, Native.cString(arena, data));
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (r == -1) {
                throw new ErrnoException("mount" + describe(source, fstype, flags), target.toString(), Native.errno(state));
            }
            return null;
        }
    }

    /**
     * mount(2) from {@code dir}: relative paths in {@code data} (overlayfs's lowerdirs) are resolved
     * against it. The working directory is the process's, shared by every thread, so this runs on a
     * fresh platform thread that first takes a private copy of it (unshare(CLONE_FS)) and changes
     * that; the thread ends with the mount, and no other thread ever sees the change.
     */
    public static void mountIn(Path dir, String source, Path target, String fstype, long flags, String data)
            throws IOException {
        OffCarrier.run("hako-mount", () -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(Native.STATE);
                int r;
                try {
                    r = (int) Unshare.H.invokeExact(state, CLONE_FS);
                } catch (Throwable t) {
                    throw Native.unexpected(t);
                }
                if (r == -1) {
                    throw new ErrnoException("unshare(CLONE_FS)", "for a mount in " + dir, Native.errno(state));
                }
                try {
                    r = (int) Chdir.H.invokeExact(state, Native.cString(arena, dir.toString()));
                } catch (Throwable t) {
                    throw Native.unexpected(t);
                }
                if (r == -1) {
                    throw new ErrnoException("chdir", dir.toString(), Native.errno(state));
                }
            }
            mount(source, target, fstype, flags, data);
        });
    }

    /** Bind-mounts {@code dir} onto itself and makes that mount private: mounts below it then never propagate. */
    public static void bindSelfPrivate(Path dir) throws IOException {
        mount(dir.toString(), dir, null, MS_BIND, null);
        try {
            mount(null, dir, null, MS_PRIVATE, null);
        } catch (IOException e) {
            try {
                umount(dir, UMOUNT_NOFOLLOW);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    /** umount2(2) with {@code flags} ({@link #MNT_DETACH}, {@link #UMOUNT_NOFOLLOW}). */
    public static void umount(Path target, int flags) throws IOException {
        NativeWaits.run(() -> umountNow(target, flags)); // unmounting syncs the file system: it may take a while
    }

    private static Void umountNow(Path target, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                r = (int) Umount2.H.invokeExact(state, Native.cString(arena, target.toString()), flags);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (r == -1) {
                throw new ErrnoException("umount2", target.toString(), Native.errno(state));
            }
            return null;
        }
    }

    private static String describe(String source, String fstype, long flags) {
        StringBuilder s = new StringBuilder();
        if (fstype != null) {
            s.append(" -t ").append(fstype);
        }
        if ((flags & MS_BIND) != 0) {
            s.append(" --bind");
        }
        if ((flags & MS_PRIVATE) != 0) {
            s.append(" --make-private");
        }
        if (source != null && fstype == null) {
            s.append(' ').append(source);
        }
        return s.toString();
    }





    private static final class Mount {
        // int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)
        static final MethodHandle H = Native.link("mount",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    }

    private static final class Unshare {
        static final MethodHandle H = Native.link("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class Chdir {
        static final MethodHandle H = Native.link("chdir", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static final class Umount2 {
        static final MethodHandle H = Native.link("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }
}
