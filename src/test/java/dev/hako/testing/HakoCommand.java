package dev.hako.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code hako} subcommands in a separate JVM on the test classpath, as a user would from a shell. */
public final class HakoCommand {
    private HakoCommand() {}

    /** Starts {@code hako args...} with stdout and stderr both going to {@code log}. */
    public static Process start(Path log, String... args) throws IOException {
        return start(log, java.util.Map.of(), args);
    }

    /** As {@link #start(Path, String...)}, with {@code env} added to the environment. */
    public static Process start(Path log, java.util.Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        // signals at their defaults, as systemd or a kubelet node starts the daemon: a test run launched
        // in the background of a non-interactive shell inherits SIGINT ignored, and so would the daemon
        cmd.add("env");
        cmd.add("--default-signal");
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-Xmx64m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.hako.cli.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("HTTP_PROXY", "http://127.0.0.1:9");
        pb.environment().put("HTTPS_PROXY", "http://127.0.0.1:9");
        pb.environment().put("NO_PROXY", "127.0.0.1,localhost");
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Runs {@code hako args...} to completion (60 s at most). */
    public static Result run(Path dir, String... args) throws IOException, InterruptedException {
        Path log = dir.resolve("cmd-" + System.nanoTime() + ".log");
        Process p = start(log, args);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("hako " + String.join(" ", args) + " did not finish in 60 s");
        }
        return new Result(p.exitValue(), java.nio.file.Files.readString(log));
    }

    public record Result(int exitCode, String output) {}
}
