package dev.hako.sys;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a helper program (util-linux, iproute2) to completion: stdin from /dev/null, stdout and stderr
 * captured together, a deadline after which it is killed. A non-zero exit is an {@link IOException}
 * whose message holds the command line, the exit status and what the program printed.
 */
public final class Command {
    private static final List<String> SEARCH_PATH = List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin");
    private static final int MAX_OUTPUT = 64 * 1024;

    private Command() {}

    /** The absolute path of {@code name} in the system directories, or an IOException naming its package. */
    public static Path find(String name, String debianPackage) throws IOException {
        for (String dir : SEARCH_PATH) {
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IOException(name + " not found in " + String.join(":", SEARCH_PATH) + " (Debian package "
                + debianPackage + ")");
    }

    /** Runs {@code argv}; returns its output (stdout and stderr interleaved). */
    public static String run(Duration timeout, List<String> argv) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        AtomicReference<String> output = new AtomicReference<>("");
        Thread reader = Thread.ofVirtual().start(() -> output.set(readCapped(p.getInputStream())));
        boolean exited;
        try {
            exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            reader.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", argv) + ": interrupted", e);
        }
        String out = output.get().strip();
        if (!exited) {
            throw new IOException(String.join(" ", argv) + ": did not finish within " + timeout.toMillis()
                    + " ms and was killed" + (out.isEmpty() ? "" : ": " + out));
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", argv) + ": exited with status " + p.exitValue()
                    + (out.isEmpty() ? "" : ": " + out));
        }
        return out;
    }

    private static String readCapped(InputStream in) {
        try (in) {
            byte[] all = in.readNBytes(MAX_OUTPUT);
            in.transferTo(OutputStream.nullOutputStream()); // drain the rest so the child never blocks on a full pipe
            return new String(all, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
