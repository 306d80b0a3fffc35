package dev.hako.monitor;

import dev.hako.error.HakoException;
import dev.hako.sys.Errno;
import dev.hako.sys.ErrnoException;
import dev.hako.sys.ProcCalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;

/** ReopenContainerLog through conmon's control fifo, {@code <bundle>/ctl}. */
final class LogReopen {
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private LogReopen() {}

    /**
     * Writes {@code "2 0 0\n"} to {@code <bundle>/ctl} and waits (bounded) until conmon has opened a new
     * file at {@code logPath}. Never creates the file itself.
     */
    static void reopen(Path bundle, Path logPath) {
        Path ctl = bundle.resolve("ctl");
        Object before = fileKey(logPath);
        int fd;
        try {
            fd = ProcCalls.open(ctl, ProcCalls.O_WRONLY | ProcCalls.O_NONBLOCK);
        } catch (ErrnoException e) {
            if (e.errno() == ProcCalls.ENXIO || e.errno() == Errno.ENOENT) {
                throw HakoException.failedPrecondition("cannot reopen the log of " + bundle.getFileName()
                        + ": its monitor is not running");
            }
            throw HakoException.internal("cannot open " + ctl + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw HakoException.internal("cannot open " + ctl + ": " + e.getMessage(), e);
        }
        try {
            ProcCalls.write(fd, "2 0 0\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw HakoException.internal("cannot write to " + ctl + ": " + e.getMessage(), e);
        } finally {
            ProcCalls.close(fd);
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Object now = fileKey(logPath);
            if (now != null && !now.equals(before)) {
                return;
            }
            sleep(10);
        }
        throw new HakoException(HakoException.Kind.UNAVAILABLE, "conmon did not reopen " + logPath + " within "
                + TIMEOUT.toSeconds() + "s");
    }

    private static Object fileKey(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HakoException(HakoException.Kind.UNAVAILABLE, "interrupted");
        }
    }
}
