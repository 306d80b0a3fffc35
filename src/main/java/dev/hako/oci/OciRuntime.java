package dev.hako.oci;

import dev.hako.config.HandlerConfig;
import dev.hako.sys.Subprocess;
import dev.hako.error.HakoException;
import dev.hako.metrics.Metrics;
import dev.hako.json.Json;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An OCI runtime binary (runc, crun, runsc) run directly for the calls that need no monitor:
 * {@code start}, {@code kill}, {@code delete}, {@code state}. {@code create} and {@code exec}
 * go through the container monitor, which owns the container's stdio.
 *
 * <p>Every command line is {@code <path> [--systemd-cgroup] --root <root> <handler args…> <sub> …};
 * each call is bounded ({@link #DEFAULT_TIMEOUT}) and a runtime that hangs is killed. Failures are
 * {@link HakoException}s carrying the runtime's own error text.
 */
public final class OciRuntime {
    /** How long one runtime command may take before it is killed. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final HandlerConfig handler;
    private final boolean systemdCgroup;
    private final Duration timeout;

    public OciRuntime(HandlerConfig handler, boolean systemdCgroup) {
        this(handler, systemdCgroup, DEFAULT_TIMEOUT);
    }

    public OciRuntime(HandlerConfig handler, boolean systemdCgroup, Duration timeout) {
        this.handler = handler;
        this.systemdCgroup = systemdCgroup;
        this.timeout = timeout;
    }

    public HandlerConfig handler() {
        return handler;
    }

    /** Whether the runtime is called with {@code --systemd-cgroup}. */
    public boolean systemdCgroup() {
        return systemdCgroup;
    }

    /** The container's state as the runtime reports it. */
    public record State(String status, int pid) {}

    /** {@code runtime start id}: runs the process of a created container. */
    public void start(String id) {
        start(id, 0);
    }

    /**
     * Starts created container {@code id} whose init process is {@code initPid} (0 when unknown): for runc
     * by its exec fifo, as {@code runc start} would ({@link RuncStart}), else or when that does not apply
     * by {@code runtime start id}.
     */
    public void start(String id, int initPid) {
        if (initPid > 0 && RuncStart.applies(handler)) {
            try {
                if (RuncStart.start(handler, id, initPid, timeout)) {
                    return;
                }
            } catch (IOException e) {
                // runc start tells what is wrong in its own words
            }
        }
        Result r = run(startArgs(id));
        if (r.code != 0) {
            throw failure("start", id, r);
        }
    }

    /** {@code runtime kill [--all] id signal}. NOT_FOUND for an unknown container, FAILED_PRECONDITION when it is not running. */
    public void kill(String id, int signal, boolean all) {
        Result r = run(killArgs(id, signal, all));
        if (r.code != 0) {
            throw failure("kill", id, r);
        }
    }

    /** {@code runtime delete [--force] id}; a container the runtime does not know is already deleted. */
    public void delete(String id, boolean force) {
        Result r = run(deleteArgs(id, force));
        if (r.code != 0 && !doesNotExist(r.stderr)) {
            throw failure("delete", id, r);
        }
    }

    /** {@code runtime update --resources FILE id}: new limits for a running container (FILE holds OCI linux.resources JSON). */
    public void update(String id, java.nio.file.Path resources) {
        Result r = run(updateArgs(id, resources));
        if (r.code != 0) {
            throw failure("update", id, r);
        }
    }

    /** {@code runtime state id}, or empty when the runtime does not know the container. */
    public Optional<State> state(String id) {
        Result r = run(stateArgs(id));
        if (r.code != 0) {
            if (doesNotExist(r.stderr)) {
                return Optional.empty();
            }
            throw failure("state", id, r);
        }
        try {
            return Optional.of(parseState(r.stdout));
        } catch (IllegalArgumentException e) {
            throw new HakoException(HakoException.Kind.INTERNAL,
                    handler.path() + " state " + id + " printed no JSON object: " + e.getMessage());
        }
    }

    /** The status and pid in {@code runtime state}'s JSON; IllegalArgumentException when it is no JSON object. */
    static State parseState(String stdout) {
        Map<String, Object> json = Json.parseObject(stdout);
        String status = json.get("status") instanceof String s ? s : "unknown";
        int pid = json.get("pid") instanceof Number n ? n.intValue() : 0;
        return new State(status, pid);
    }

    /** What a sandbox runtime accounts for one container: CPU time, memory in use, tasks. */
    public record Stats(long cpuNanos, long memoryBytes, long pids) {}

    /**
     * {@code runtime events --stats id}: gVisor's own accounting of a container inside its sandbox,
     * where the host cgroups only see the sandbox as a whole. Empty when the runtime has none for it.
     */
    public Optional<Stats> stats(String id) {
        Result r = run(statsArgs(id));
        if (r.code != 0) {
            return Optional.empty();
        }
        return parseStats(r.stdout);
    }

    /** The accounting in one {@code events --stats} event; empty when it is none. */
    static Optional<Stats> parseStats(String stdout) {
        try {
            Map<String, Object> event = Json.parseObject(stdout.strip());
            if (!(event.get("data") instanceof Map<?, ?> data)) {
                return Optional.empty();
            }
            long cpu = number(data, "cpu", "usage", "total");
            long memory = number(data, "memory", "usage", "usage");
            long pids = number(data, "pids", "current");
            return Optional.of(new Stats(cpu, memory, pids));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static long number(Map<?, ?> tree, String... path) {
        Object node = tree;
        for (String key : path) {
            if (!(node instanceof Map<?, ?> m)) {
                return 0;
            }
            node = m.get(key);
        }
        return node instanceof Number n ? n.longValue() : 0;
    }

    /**
     * The command line of a foreground {@code exec} of {@code processJson} in container {@code id}: the
     * runtime runs the process on its own stdio (a terminal when the process asks for one) and exits with
     * the process's status. {@code pidFile} receives the process's host pid (runc); a sandbox runtime (runsc)
     * also writes the pid inside its sandbox to {@code internalPidFile} (null for other runtimes), for
     * {@link #killInSandbox}.
     */
    public List<String> execCommand(String id, java.nio.file.Path processJson, java.nio.file.Path pidFile,
                                    java.nio.file.Path internalPidFile) {
        List<String> sub = new ArrayList<>(List.of("exec", "--process", processJson.toString(), "--pid-file",
                pidFile.toString()));
        if (internalPidFile != null) {
            sub.add("--internal-pid-file");
            sub.add(internalPidFile.toString());
        }
        sub.add(id);
        return command(sub);
    }

    /** A process of a sandbox runtime's container, numbered inside the sandbox. */
    public record SandboxProcess(int pid, int ppid) {}

    /**
     * {@code runsc ps id}: the container's processes inside its sandbox, from the table (this runsc's JSON
     * format lists bare pids, without parents): a heading line with UID, PID, PPID, ... columns.
     */
    public List<SandboxProcess> sandboxProcesses(String id) {
        Result r = run(psArgs(id));
        if (r.code != 0) {
            throw failure("ps", id, r);
        }
        return parseProcessTable(r.stdout);
    }

    static List<SandboxProcess> parseProcessTable(String table) {
        List<SandboxProcess> out = new ArrayList<>();
        List<String> lines = table.lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            return out;
        }
        List<String> heading = List.of(lines.getFirst().strip().split("\\s+"));
        int pidColumn = heading.indexOf("PID");
        int ppidColumn = heading.indexOf("PPID");
        if (pidColumn < 0 || ppidColumn < 0) {
            return out;
        }
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.strip().split("\\s+");
            try {
                out.add(new SandboxProcess(Integer.parseInt(f[pidColumn]), Integer.parseInt(f[ppidColumn])));
            } catch (RuntimeException e) {
                // not a process line
            }
        }
        return out;
    }

    /**
     * Kills process {@code pid} inside container {@code id}'s sandbox and every descendant of it, the
     * descendants first (so none is orphaned out of reach), then the process itself. Returns how many.
     */
    public int killTreeInSandbox(String id, int pid, int signal) {
        int killed = 0;
        for (int p : killOrder(pid, sandboxProcesses(id))) {
            try {
                killInSandbox(id, p, signal);
                killed++;
            } catch (HakoException e) {
                // gone meanwhile
            }
        }
        return killed;
    }

    /** {@code pid} and its descendants among {@code all}, each after its own descendants. */
    static List<Integer> killOrder(int pid, List<SandboxProcess> all) {
        List<Integer> order = new ArrayList<>();
        collect(pid, all, order, new java.util.HashSet<>());
        java.util.Collections.reverse(order);
        return order;
    }

    private static void collect(int pid, List<SandboxProcess> all, List<Integer> out, java.util.Set<Integer> seen) {
        if (!seen.add(pid)) {
            return;
        }
        out.add(pid);
        for (SandboxProcess p : all) {
            if (p.ppid() == pid) {
                collect(p.pid(), all, out, seen);
            }
        }
    }

    /** {@code runsc kill --pid PID id SIGNAL}: one process inside a gVisor sandbox. */
    public void killInSandbox(String id, int pid, int signal) {
        Result r = run(killInSandboxArgs(id, pid, signal));
        if (r.code != 0) {
            throw failure("kill", id, r);
        }
    }

    /** The runtime's global arguments, for callers (the monitor) that pass them on: {@code --root=R} and the handler's args. */
    public static List<String> globalArgs(HandlerConfig handler) {
        List<String> out = new ArrayList<>();
        if (handler.root() != null) {
            out.add("--root=" + handler.root());
        }
        out.addAll(handler.args());
        return out;
    }

    static boolean doesNotExist(String stderr) {
        String s = stderr.toLowerCase(java.util.Locale.ROOT);
        return s.contains("does not exist") || s.contains("not found") || s.contains("no such file or directory");
    }

    private HakoException failure(String command, String id, Result r) {
        return failure(handler.name(), command, id, r.code, r.stderr);
    }

    /** The error for {@code command} on container {@code id} that exited {@code code}, by the runtime's own words. */
    static HakoException failure(String handlerName, String command, String id, int code, String stderr) {
        Metrics.processFailure("runtime", handlerName, command);
        String msg = RuntimeMessages.clean(stderr);
        if (msg.isEmpty()) {
            msg = "exit status " + code;
        }
        String text = handlerName + " " + command + " " + id + ": " + msg;
        String lower = msg.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("does not exist")) {
            return HakoException.notFound(text);
        }
        if (lower.contains("not running") || lower.contains("cannot start") || lower.contains("is not in created state")) {
            return HakoException.failedPrecondition(text);
        }
        if (RuntimeMessages.cannotExec(msg)) { // the image's fault, not the node's
            return HakoException.failedPrecondition(text + " (check the container's command/args and its image)");
        }
        return new HakoException(HakoException.Kind.INTERNAL, text);
    }

    // ---- command lines: each call's subcommand and arguments, after the global ones of command()

    static List<String> startArgs(String id) {
        return List.of("start", id);
    }

    static List<String> killArgs(String id, int signal, boolean all) {
        List<String> args = new ArrayList<>(List.of("kill"));
        if (all) {
            args.add("--all");
        }
        args.add(id);
        args.add(Integer.toString(signal));
        return args;
    }

    static List<String> killInSandboxArgs(String id, int pid, int signal) {
        return List.of("kill", "--pid", Integer.toString(pid), id, Integer.toString(signal));
    }

    static List<String> deleteArgs(String id, boolean force) {
        List<String> args = new ArrayList<>(List.of("delete"));
        if (force) {
            args.add("--force");
        }
        args.add(id);
        return args;
    }

    static List<String> updateArgs(String id, java.nio.file.Path resources) {
        return List.of("update", "--resources", resources.toString(), id);
    }

    static List<String> stateArgs(String id) {
        return List.of("state", id);
    }

    static List<String> statsArgs(String id) {
        return List.of("events", "--stats", id);
    }

    static List<String> psArgs(String id) {
        return List.of("ps", id);
    }

    /** The whole command line of subcommand {@code sub}: the binary, its global flags, then {@code sub}. */
    List<String> command(List<String> sub) {
        List<String> cmd = new ArrayList<>();
        cmd.add(handler.path().toString());
        if (systemdCgroup) {
            cmd.add("--systemd-cgroup");
        }
        if (handler.root() != null) {
            cmd.add("--root");
            cmd.add(handler.root().toString());
        }
        cmd.addAll(handler.args());
        cmd.addAll(sub);
        return cmd;
    }

    private record Result(int code, String stdout, String stderr) {}

    private Result run(List<String> sub) {
        List<String> cmd = command(sub);
        Subprocess.Outcome o;
        try {
            o = Subprocess.run(new ProcessBuilder(cmd), null, timeout);
        } catch (IOException e) {
            throw new HakoException(HakoException.Kind.UNAVAILABLE, "cannot run " + handler.path() + ": " + e.getMessage(), e);
        }
        if (o.timedOut()) {
            throw new HakoException(HakoException.Kind.UNAVAILABLE,
                    String.join(" ", cmd) + " did not finish within " + timeout.toSeconds() + "s; killed");
        }
        return new Result(o.exit(), o.stdout(), o.stderr());
    }

}
