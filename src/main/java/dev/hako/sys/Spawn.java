package dev.hako.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts a program with glibc's {@code posix_spawn}: one {@code clone(CLONE_VM|CLONE_VFORK)} and one
 * exec, where {@link ProcessBuilder} costs an exec of {@code jspawnhelper} more and cannot hand the
 * child descriptors beyond 0-2. The child's descriptors are set by file actions (a path opened, or a
 * dup of another child descriptor) and every descriptor above the highest one set is closed
 * ({@code closefrom}): the JVM opens files without {@code O_CLOEXEC}, and a long-lived child must not
 * keep them. The child starts with an empty signal mask and default signal dispositions, as
 * {@code jspawnhelper} gives, an explicit environment and no {@code PATH} search.
 *
 * <p>Not thread-safe; one builder per spawn.
 */
public final class Spawn {
    public static final int O_CREAT = 0100;
    public static final int O_TRUNC = 01000;

    private static final int POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final int POSIX_SPAWN_SETSIGMASK = 0x08;
    /** glibc's {@code posix_spawn_file_actions_t} is 80 bytes, {@code posix_spawnattr_t} 336, {@code sigset_t} 128. */
    private static final long FILE_ACTIONS_SIZE = 80;
    private static final long ATTR_SIZE = 336;
    private static final long SIGSET_SIZE = 128;

    private final List<String> argv;
    private final List<String> env = new ArrayList<>();
    private final List<Action> actions = new ArrayList<>();
    private Path directory;
    private int highestFd = 2;

    private sealed interface Action {}

    private record Open(int fd, Path path, int flags, int mode) implements Action {}

    private record Dup(int fd, int from) implements Action {}

    /** {@code argv.get(0)} is the program, an absolute path; it is also the child's {@code argv[0]}. */
    public Spawn(List<String> argv) {
        if (argv.isEmpty() || !argv.get(0).startsWith("/")) {
            throw new IllegalArgumentException("spawn needs an absolute program path: " + argv);
        }
        this.argv = List.copyOf(argv);
    }

    /** The child's whole environment (nothing is inherited). */
    public Spawn environment(Map<String, String> vars) {
        env.clear();
        vars.forEach((k, v) -> env.add(k + "=" + v));
        return this;
    }

    /** The child's working directory. */
    public Spawn directory(Path dir) {
        this.directory = dir;
        return this;
    }

    /** The child's descriptor {@code fd} is {@code path} opened with {@code flags} (and {@code mode} when created). */
    public Spawn open(int fd, Path path, int flags, int mode) {
        actions.add(new Open(checkFd(fd), path, flags, mode));
        return this;
    }

    /** The child's descriptor {@code fd} is a duplicate of its descriptor {@code from}, set before. */
    public Spawn dup(int fd, int from) {
        actions.add(new Dup(checkFd(fd), from));
        return this;
    }

    private int checkFd(int fd) {
        if (fd < 0 || fd > 64) {
            throw new IllegalArgumentException("child descriptor out of range: " + fd);
        }
        highestFd = Math.max(highestFd, fd);
        return fd;
    }

    /** Starts the program; a failed open, chdir or exec is an {@link ErrnoException} naming the program. */
    public SpawnedProcess start() throws IOException {
        String program = argv.get(0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fa = arena.allocate(FILE_ACTIONS_SIZE, 8);
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            check(call(H.FA_INIT, fa), "posix_spawn_file_actions_init", program);
            try {
                check(call(H.ATTR_INIT, attr), "posix_spawnattr_init", program);
                try {
                    for (Action a : actions) {
                        switch (a) {
                            case Open o -> check((int) H.ADDOPEN.invokeExact(fa, o.fd(),
                                    Native.cString(arena, o.path().toString()), o.flags(), o.mode()),
                                    "posix_spawn_file_actions_addopen", o.path().toString());
                            case Dup d -> check((int) H.ADDDUP2.invokeExact(fa, d.from(), d.fd()),
                                    "posix_spawn_file_actions_adddup2", program);
                        }
                    }
                    if (directory != null) {
                        check((int) H.ADDCHDIR.invokeExact(fa, Native.cString(arena, directory.toString())),
                                "posix_spawn_file_actions_addchdir_np", directory.toString());
                    }
                    check((int) H.ADDCLOSEFROM.invokeExact(fa, highestFd + 1),
                            "posix_spawn_file_actions_addclosefrom_np", program);

                    MemorySegment none = arena.allocate(SIGSET_SIZE, 8);
                    MemorySegment all = arena.allocate(SIGSET_SIZE, 8);
                    call(H.SIGEMPTYSET, none); // fail only for a bad pointer
                    call(H.SIGFILLSET, all);
                    check((int) H.SETSIGMASK.invokeExact(attr, none), "posix_spawnattr_setsigmask", program);
                    check((int) H.SETSIGDEFAULT.invokeExact(attr, all), "posix_spawnattr_setsigdefault", program);
                    check((int) H.SETFLAGS.invokeExact(attr, (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)),
                            "posix_spawnattr_setflags", program);

                    MemorySegment pid = arena.allocate(JAVA_INT);
                    int err = (int) H.SPAWN.invokeExact(pid, Native.cString(arena, program), fa, attr,
                            strings(arena, argv), strings(arena, env));
                    if (err != 0) {
                        throw new ErrnoException("posix_spawn", program, err);
                    }
                    return SpawnedProcess.started(pid.get(JAVA_INT, 0));
                } finally {
                    call(H.ATTR_DESTROY, attr);
                }
            } finally {
                call(H.FA_DESTROY, fa);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** A NULL-terminated {@code char *[]}. */
    private static MemorySegment strings(Arena arena, List<String> values) throws IOException {
        MemorySegment array = arena.allocate(ADDRESS, values.size() + 1L);
        for (int i = 0; i < values.size(); i++) {
            array.setAtIndex(ADDRESS, i, Native.cString(arena, values.get(i)));
        }
        array.setAtIndex(ADDRESS, values.size(), MemorySegment.NULL);
        return array;
    }

    private static int call(MethodHandle h, MemorySegment arg) {
        try {
            return (int) h.invokeExact(arg);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** The posix_spawn family returns an error number rather than setting errno. */
    private static void check(int err, String call, String what) throws ErrnoException {
        if (err != 0) {
            throw new ErrnoException(call, what, err);
        }
    }

    private static final class H {
        static final MethodHandle FA_INIT = plain("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle FA_DESTROY = plain("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle ADDOPEN = plain("posix_spawn_file_actions_addopen",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle ADDDUP2 = plain("posix_spawn_file_actions_adddup2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle ADDCHDIR = plain("posix_spawn_file_actions_addchdir_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle ADDCLOSEFROM = plain("posix_spawn_file_actions_addclosefrom_np",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle ATTR_INIT = plain("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle ATTR_DESTROY = plain("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle SETFLAGS = plain("posix_spawnattr_setflags",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
        static final MethodHandle SETSIGMASK = plain("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle SETSIGDEFAULT = plain("posix_spawnattr_setsigdefault",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle SIGEMPTYSET = plain("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle SIGFILLSET = plain("sigfillset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle SPAWN = plain("posix_spawn",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));

        /** No errno capture: these calls return their error. */
        private static MethodHandle plain(String name, FunctionDescriptor d) {
            MemorySegment symbol = Native.LINKER.defaultLookup().find(name)
                    .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
            return Native.LINKER.downcallHandle(symbol, d);
        }
    }
}
