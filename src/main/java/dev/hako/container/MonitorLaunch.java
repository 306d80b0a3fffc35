package dev.hako.container;

import dev.hako.error.HakoException;
import dev.hako.monitor.Conmon;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * {@link Conmon#begin} on a platform thread of its own, so that a create prepares the rootfs and the
 * spec while the monitor process is spawned (the spawn holds its thread for a few milliseconds) and
 * loads. {@link #await} or {@link #abort} it once.
 */
final class MonitorLaunch {
    private final Conmon conmon;
    private final CompletableFuture<Conmon.Pending> launched = new CompletableFuture<>();

    private MonitorLaunch(Conmon conmon) {
        this.conmon = conmon;
    }

    static MonitorLaunch start(Conmon conmon, Conmon.CreateRequest request) {
        MonitorLaunch l = new MonitorLaunch(conmon);
        Thread.ofPlatform().daemon().name("hako-conmon-launch").start(() -> {
            try {
                l.launched.complete(conmon.begin(request));
            } catch (Throwable t) {
                l.launched.completeExceptionally(t);
            }
        });
        return l;
    }

    /** The launched monitor, waiting for its start byte; what the launch threw, rethrown. */
    Conmon.Pending await() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return launched.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the monitor exists or is about to: it must not be lost
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException r) {
                        throw r;
                    }
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    throw HakoException.internal("launching conmon: " + cause, cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Ends the monitor (once it is launched) after the create failed before telling it to go. */
    void abort() {
        Conmon.Pending p;
        try {
            p = await();
        } catch (RuntimeException | Error failedToLaunch) {
            return; // nothing runs
        }
        conmon.abort(p);
    }
}
