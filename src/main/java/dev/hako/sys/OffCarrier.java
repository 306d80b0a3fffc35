package dev.hako.sys;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs native work that may take long (deleting a huge tree) or needs a thread of its own (a
 * thread-private working directory) on a fresh platform thread. A virtual thread that asks parks
 * in {@code join} instead of pinning its carrier inside a native call for the whole job.
 */
final class OffCarrier {
    private OffCarrier() {}

    interface Job {
        void run() throws IOException;
    }

    /** Runs {@code job} on a new platform thread named {@code name} and waits for it; its failure is rethrown here. */
    static void run(String name, Job job) throws IOException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name(name).daemon().start(() -> {
            try {
                job.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the job changes the file system: let it finish, then pass the interrupt on
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable f = failure.get();
        if (f instanceof IOException io) {
            throw io;
        }
        if (f instanceof RuntimeException r) {
            throw r;
        }
        if (f instanceof Error e) {
            throw e;
        }
    }
}
