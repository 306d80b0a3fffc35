package dev.hako.sys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short-lived helper (an OCI runtime subcommand, a CNI plugin): feeds it stdin, captures
 * stdout and stderr apart (each capped, and always drained so the child never blocks on a full
 * pipe), and kills it with its descendants when it overruns its time.
 */
public final class Subprocess {
    private static final int MAX_CAPTURE = 1 << 20;

    private Subprocess() {}

    /** How the process ended; {@code timedOut} means it was killed and {@code exit} is meaningless. */
    public record Outcome(int exit, String stdout, String stderr, boolean timedOut) {}

    /**
     * Starts {@code pb} (stdin null means /dev/null) and waits up to {@code timeout}.
     *
     * @throws IOException when it cannot start, or the waiting thread is interrupted (the process is killed)
     */
    public static Outcome run(ProcessBuilder pb, byte[] stdin, Duration timeout) throws IOException {
        if (stdin == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outReader = Thread.ofVirtual().start(() -> drain(p.getInputStream(), out));
        Thread errReader = Thread.ofVirtual().start(() -> drain(p.getErrorStream(), err));
        try {
            if (stdin != null) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException e) {
                    // the child may exit without reading stdin; its exit status tells
                }
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Outcome(-1, text(out), text(err), true);
            }
            outReader.join(Duration.ofSeconds(5));
            errReader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + pb.command().getFirst(), e);
        }
        return new Outcome(p.exitValue(), text(out), text(err), false);
    }

    private static String text(ByteArrayOutputStream b) {
        synchronized (b) {
            return b.toString(StandardCharsets.UTF_8);
        }
    }

    private static void drain(InputStream in, ByteArrayOutputStream sink) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (sink) {
                    if (sink.size() < MAX_CAPTURE) {
                        sink.write(buf, 0, n);
                    }
                }
            }
        } catch (IOException e) {
            // the process went away
        }
    }
}
