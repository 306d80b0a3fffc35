package dev.hako;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Named points in multi-step operations where a test may stop the daemon, to prove that a crash at any of
 * them loses and leaks nothing. Off unless the daemon was started with {@code HAKO_FAULT_STEP} naming one
 * step and {@code HAKO_FAULT_DIR} a directory: on reaching that step, the calling thread creates
 * {@code <dir>/<step>.reached} and waits until {@code <dir>/<step>.resume} exists. Meanwhile the test kills
 * the daemon (kill -9), or does something else and lets it go on. In production both variables are unset,
 * {@link #reach} compares a constant null and returns: nothing is read, written or waited for.
 */
public final class FaultPoints {
    private static final String STEP = System.getenv("HAKO_FAULT_STEP");
    private static final Path DIR = STEP == null || System.getenv("HAKO_FAULT_DIR") == null
            ? null : Path.of(System.getenv("HAKO_FAULT_DIR"));

    private FaultPoints() {}

    /** Marks that the operation is at {@code step}; pauses there when it is the armed step. */
    public static void reach(String step) {
        if (DIR == null || !STEP.equals(step)) {
            return;
        }
        try {
            Files.createDirectories(DIR);
            Files.writeString(DIR.resolve(step + ".reached"), Long.toString(ProcessHandle.current().pid()));
            while (!Files.exists(DIR.resolve(step + ".resume"))) {
                Thread.sleep(20);
            }
        } catch (IOException e) {
            throw new IllegalStateException("fault point " + step + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
