package dev.hako.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child started by {@link Spawn}. One platform thread per running child waits for it in the kernel
 * (a virtual thread never waits on its carrier) and reaps it exactly once; callers wait on the result
 * with a deadline. The wait first leaves the child unreaped ({@code WNOWAIT}) and reaps it under the
 * same lock {@link #kill} takes, so a kill never reaches a reused pid.
 */
public final class SpawnedProcess {
    private static final int P_PID = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x01000000;
    private static final int EINTR = 4;
    private static final int SIGKILL = 9;
    private static final long SIGINFO_SIZE = 128;

    /** Like the JDK's process reaper: threads made on demand, ending after a minute unused. */
    private static final ExecutorService REAPERS = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("hako-spawn-reaper-", 0).factory());

    private final int pid;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private boolean reaped; // guarded by this

    private SpawnedProcess(int pid) {
        this.pid = pid;
    }

    static SpawnedProcess started(int pid) {
        SpawnedProcess p = new SpawnedProcess(pid);
        REAPERS.execute(p::reap);
        return p;
    }

    public int pid() {
        return pid;
    }

    /**
     * The exit status once the child has ended (its exit code, or 128 + the signal that killed it, as
     * {@link Process#exitValue}), or null if it still runs at {@code deadlineNanos} ({@link System#nanoTime};
     * {@link Long#MAX_VALUE}: no deadline); the child is then left running.
     */
    public Integer waitFor(long deadlineNanos) throws InterruptedException {
        try {
            if (deadlineNanos == Long.MAX_VALUE) {
                return exit.get();
            }
            return exit.get(Math.max(deadlineNanos - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot wait for pid " + pid, e.getCause());
        }
    }

    /** The exit status if the child has ended and been reaped, else null. */
    public Integer exitValue() {
        return exit.getNow(null);
    }

    /** SIGKILL, unless the child is already reaped (its pid may belong to another process by then). */
    public synchronized void kill() {
        if (reaped) {
            return;
        }
        try {
            ProcCalls.kill(pid, SIGKILL);
        } catch (IOException e) {
            // not ours to signal any more: nothing to kill
        }
    }

    /** Decodes a wait status as {@link Process#exitValue} does. */
    static int decode(int status) {
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 0x80 + signal;
    }

    private void reap() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment info = arena.allocate(SIGINFO_SIZE, 8);
            while ((int) H.WAITID.invokeExact(state, P_PID, pid, info, WEXITED | WNOWAIT) == -1) {
                int errno = Native.errno(state);
                if (errno != EINTR) {
                    throw new ErrnoException("waitid", "pid " + pid, errno);
                }
            }
            MemorySegment status = arena.allocate(JAVA_INT);
            synchronized (this) {
                while ((int) H.WAITPID.invokeExact(state, pid, status, 0) == -1) {
                    int errno = Native.errno(state);
                    if (errno != EINTR) {
                        throw new ErrnoException("waitpid", "pid " + pid, errno);
                    }
                }
                reaped = true;
            }
            exit.complete(decode(status.get(JAVA_INT, 0)));
        } catch (Throwable t) {
            exit.completeExceptionally(t);
        }
    }

    private static final class H {
        static final MethodHandle WAITID = Native.link("waitid",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle WAITPID = Native.link("waitpid",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    }
}
