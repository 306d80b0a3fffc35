package dev.hako.sys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    /**
     * Like {@link #run}, but started with one exec ({@link Spawn}) where a ProcessBuilder costs two: for
     * the helpers on a pod's start path (CNI plugins). stdin, stdout and stderr are files in the private
     * directory {@code scratch}, removed afterwards, so no pipe has to be drained while the child runs.
     * The child gets exactly {@code env} and the daemon's working directory.
     *
     * @throws IOException when it cannot start, or the waiting thread is interrupted (the process is killed)
     */
    public static Outcome spawn(List<String> argv, Map<String, String> env, byte[] stdin, Duration timeout, Path scratch)
            throws IOException {
        PrivateFiles.directory(scratch);
        Path in = stdin == null ? null : Files.createTempFile(scratch, "in-", "");
        Path out = Files.createTempFile(scratch, "out-", "");
        Path err = Files.createTempFile(scratch, "err-", "");
        SpawnedProcess p = null;
        try {
            if (in != null) {
                Files.write(in, stdin);
            }
            p = new Spawn(argv).environment(env)
                    .open(0, in == null ? Path.of("/dev/null") : in.toAbsolutePath(), ProcCalls.O_RDONLY, 0)
                    .open(1, out.toAbsolutePath(), ProcCalls.O_WRONLY | Spawn.O_TRUNC, 0)
                    .open(2, err.toAbsolutePath(), ProcCalls.O_WRONLY | Spawn.O_TRUNC, 0)
                    .start();
            Integer exit = p.waitFor(System.nanoTime() + timeout.toNanos());
            if (exit == null) {
                ProcessHandle.of(p.pid()).ifPresent(h -> h.descendants().forEach(ProcessHandle::destroyForcibly));
                p.kill();
                p.waitFor(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
                return new Outcome(-1, capped(out), capped(err), true);
            }
            return new Outcome(exit, capped(out), capped(err), false);
        } catch (InterruptedException e) {
            p.kill();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + argv.getFirst(), e);
        } finally {
            for (Path f : new Path[] {in, out, err}) {
                if (f != null) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static String capped(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(MAX_CAPTURE), StandardCharsets.UTF_8);
        }
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
