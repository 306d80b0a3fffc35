package dev.hako.monitor;

import dev.hako.error.HakoException;
import dev.hako.log.Level;
import dev.hako.log.Log;
import dev.hako.sys.ProcCalls;
import dev.hako.sys.Spawn;
import dev.hako.sys.SpawnedProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A started conmon, its combined stdout and stderr in a temp file. Started with {@code posix_spawn}
 * ({@link Spawn}), whose file actions open the fifos read-write as the child's descriptors 3 and 4 and
 * close every descriptor above 4: one exec where {@link ProcessBuilder} and a shell wrapper took three
 * (~4 ms per create and per exec).
 */
final class ConmonLaunch {
    private static final Log LOG = Log.of("conmon");
    private static final String MONITOR_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final SpawnedProcess process;
    private final Path output;

    private ConmonLaunch(SpawnedProcess process, Path output) {
        this.process = process;
        this.output = output;
    }

    /**
     * Starts {@code monitor} (null: the daemon's conmon) with {@code conmonArgs} in {@code cwd}: stdin
     * /dev/null, stdout and stderr to a temp file in the state directory, the sync and start fifos as
     * descriptors 3 and 4, nothing else inherited; a cleared environment but PATH and XDG_RUNTIME_DIR.
     */
    static ConmonLaunch start(ConmonDirs dirs, Path monitor, SyncPipes pipes, List<String> conmonArgs, Path cwd)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add((monitor != null ? monitor : dirs.binary()).toAbsolutePath().toString());
        cmd.addAll(conmonArgs);
        Files.createDirectories(dirs.state());
        Path out = Files.createTempFile(dirs.state(), "conmon-", ".out");
        Map<String, String> env = environment(System.getenv("XDG_RUNTIME_DIR"));
        if (Log.enabled(Level.DEBUG)) {
            LOG.debug("starting conmon", "args", String.join(" ", conmonArgs));
        }
        try {
            SpawnedProcess p = new Spawn(cmd)
                    .environment(env)
                    .directory(cwd.toAbsolutePath())
                    .open(0, Path.of("/dev/null"), ProcCalls.O_RDONLY, 0)
                    .open(1, out.toAbsolutePath(), ProcCalls.O_WRONLY | Spawn.O_TRUNC, 0)
                    .dup(2, 1)
                    .open(3, pipes.sync.toAbsolutePath(), ProcCalls.O_RDWR, 0)
                    .open(4, pipes.start.toAbsolutePath(), ProcCalls.O_RDWR, 0)
                    .start();
            return new ConmonLaunch(p, out);
        } catch (IOException e) {
            Files.deleteIfExists(out);
            throw e;
        }
    }

    /** conmon's whole environment: PATH, XDG_RUNTIME_DIR when Hako has one, and the fifos' descriptors. */
    static Map<String, String> environment(String xdgRuntimeDir) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", MONITOR_PATH);
        if (xdgRuntimeDir != null) {
            env.put("XDG_RUNTIME_DIR", xdgRuntimeDir);
        }
        env.put("_OCI_SYNCPIPE", "3");
        env.put("_OCI_STARTPIPE", "4");
        return env;
    }

    /** Waits for the process until {@code deadline} (System.nanoTime), killing it then. Returns its status. */
    int waitFor(long deadline) throws IOException {
        Integer code = waitForOrKill(deadline);
        if (code == null) {
            throw new HakoException(HakoException.Kind.UNAVAILABLE, "conmon did not start in time; killed");
        }
        return code;
    }

    /** The exit status, or null if still running at {@code deadline} (then left running). */
    Integer waitUntil(long deadline) {
        try {
            return process.waitFor(deadline);
        } catch (InterruptedException e) {
            process.kill();
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The exit status, or null if still running at {@code deadline}: then killed (and reaped, bounded). */
    Integer waitForOrKill(long deadline) {
        try {
            Integer code = process.waitFor(deadline);
            if (code != null) {
                return code;
            }
            process.kill();
            process.waitFor(System.nanoTime() + TimeUnit.SECONDS.toNanos(5));
            return null;
        } catch (InterruptedException e) {
            process.kill();
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** What conmon printed, stripped and cut at 4 KiB. */
    String output() {
        try {
            String s = Files.readString(output, StandardCharsets.UTF_8).strip();
            return s.length() > 4096 ? s.substring(0, 4096) : s;
        } catch (IOException e) {
            return "";
        }
    }

    /** {@link #output()} as the tail of an error message: {@code ": <output>"}, or nothing. */
    String outputSuffix() {
        return suffix(output());
    }

    static String suffix(String output) {
        return output == null || output.isEmpty() ? "" : ": " + output;
    }

    void discard() {
        try {
            Files.deleteIfExists(output);
        } catch (IOException e) {
            // in a temp directory
        }
    }
}
