package dev.hako.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The CPU priority of the calling platform thread. On Linux a nice value belongs to a thread, not to
 * the whole process (setpriority(2) with a thread ID), and processes the thread starts inherit it, so
 * background work done on such a thread yields the CPU to the daemon's calls and their children.
 */
public final class ThreadPriority {
    private ThreadPriority() {}

    private static final int PRIO_PROCESS = 0;

    /**
     * Gives the calling thread the nice value {@code nice} (0 normal, 19 lowest). Meant for platform
     * threads: a virtual thread's carrier is shared, so calling this there is refused.
     */
    public static void setCurrentNice(int nice) throws IOException {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("a virtual thread has no CPU priority of its own");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                int tid = (int) Gettid.H.invokeExact(state);
                r = (int) Setpriority.H.invokeExact(state, PRIO_PROCESS, tid, nice);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (r != 0) {
                int errno = Native.errno(state);
                throw new ErrnoException("setpriority", "nice " + nice, errno);
            }
        }
    }

    /** The calling thread's nice value, as the kernel reports it in /proc/thread-self/stat. */
    public static int currentNice() throws IOException {
        String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[16]); // field 19 of stat(5); fields[0] is field 3
    }

    private static final class Gettid {
        static final MethodHandle H = Native.link("gettid", FunctionDescriptor.of(JAVA_INT));
    }

    private static final class Setpriority {
        static final MethodHandle H = Native.link("setpriority",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }
}
