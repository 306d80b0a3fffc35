package dev.hako.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Host commands a test runs for its own checks and set-up (ip, nft, mount, runc...), stdout and stderr merged. */
public final class Commands {
    private static final long TIMEOUT_SECONDS = 60;

    private Commands() {}

    /** The exit code; the output is discarded. */
    public static int run(String... cmd) throws IOException, InterruptedException {
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
    }

    /** The output, whatever the exit code; a command still running after 60 s is killed and fails the test. */
    public static String output(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish in " + TIMEOUT_SECONDS + " s");
        }
        return out;
    }

    /** The output of a command that must succeed: any other exit code fails the test with the output. */
    public static String check(List<String> cmd) throws IOException, InterruptedException {
        String[] argv = cmd.toArray(String[]::new);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", cmd) + " did not finish in " + TIMEOUT_SECONDS + " s");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    public static String check(String... cmd) throws IOException, InterruptedException {
        return check(List.of(cmd));
    }
}
