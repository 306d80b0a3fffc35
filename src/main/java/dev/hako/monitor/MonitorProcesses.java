package dev.hako.monitor;

import dev.hako.log.Log;
import dev.hako.sys.ProcCalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The monitor processes of one bundle, found by their command line ({@code -b <bundle>}) rather than a
 * pid file: after a crash in the middle of a create, conmon may be waiting for its start byte and has
 * written no pid file yet. Used to undo creates the daemon did not live to finish.
 */
public final class MonitorProcesses {
    private static final Log LOG = Log.of("conmon");
    private static final Path PROC = Path.of("/proc");
    private static final long KILL_WAIT_MILLIS = 5_000;

    private MonitorProcesses() {}

    /** Pids of the processes (conmon, or the shell that execs it) started for {@code bundle}. */
    public static List<Integer> of(Path bundle) {
        String wanted = bundle.toAbsolutePath().toString();
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : procs) {
                List<String> argv = argv(p);
                int at = argv.indexOf("-b");
                if (at >= 0 && at + 1 < argv.size() && argv.get(at + 1).equals(wanted)) {
                    out.add(Integer.parseInt(p.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot scan /proc for a container's conmon; a leftover one is not killed", "path", wanted,
                    "error", Log.cause(e));
        }
        return out;
    }

    /** SIGKILLs every monitor of {@code bundle} and waits (bounded) until they are gone; returns how many. */
    public static int kill(Path bundle) {
        List<Integer> pids = of(bundle);
        for (int pid : pids) {
            try {
                ProcCalls.kill(pid, 9);
            } catch (IOException e) {
                // gone already
            }
        }
        long deadline = System.nanoTime() + KILL_WAIT_MILLIS * 1_000_000L;
        while (!of(bundle).isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return pids.size();
    }

    private static List<String> argv(Path proc) {
        try {
            byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
            return Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException | RuntimeException e) {
            return List.of(); // gone, or a kernel thread
        }
    }
}
