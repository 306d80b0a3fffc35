package dev.hako.sys;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs the native calls that can wait in the kernel ({@code poll} with a timeout, {@code syncfs},
 * {@code mount}, {@code umount}) so that no virtual thread's carrier waits with them.
 *
 * <p>A downcall pins its virtual thread to the carrier for as long as it runs: the JDK makes up for
 * its own blocking file I/O with extra carriers, never for FFM. There are as many carriers as cores,
 * so two CreateContainer calls waiting in {@code poll} once froze every RPC of a 2-core node,
 * {@code Version} included. Here a virtual caller hands the call to a platform thread of a small
 * cached pool and parks until it is done; a platform caller makes the call itself.
 */
public final class NativeWaits {
    /** Threads are made on demand and end after a minute unused: as many as calls are waiting at once. */
    private static final ExecutorService WAITERS = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("hako-native-wait-", 0).factory());

    private NativeWaits() {}

    /** A native call that may wait. */
    @FunctionalInterface
    public interface Call<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code call} off the carrier when the current thread is virtual, else directly. The call
     * always runs to its end (the descriptors it uses stay valid meanwhile, since the caller is still
     * inside it), so callers keep their waits short; an interrupt meanwhile is kept for the caller to see.
     */
    public static <T> T run(Call<T> call) throws IOException {
        if (!Thread.currentThread().isVirtual()) {
            return call.run();
        }
        CompletableFuture<T> done = new CompletableFuture<>();
        WAITERS.execute(() -> {
            try {
                done.complete(call.run());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return done.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof IOException io) {
                        throw io;
                    }
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
