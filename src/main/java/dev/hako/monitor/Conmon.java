package dev.hako.monitor;

import dev.hako.config.HandlerConfig;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.log.Log;
import dev.hako.oci.OciRuntime;
import dev.hako.oci.RuntimeMessages;
import dev.hako.sys.ErrnoException;
import dev.hako.sys.PrivateFiles;
import dev.hako.sys.ProcCalls;
import dev.hako.sys.ProcessTree;
import dev.hako.sys.Spawn;
import dev.hako.sys.SpawnedProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Containers supervised by conmon 2.1.6, driven exactly as CRI-O drives it.
 *
 * <p><b>Create.</b> conmon takes its sync and start pipes as inherited descriptors 3 and 4, named by
 * {@code _OCI_SYNCPIPE=3 _OCI_STARTPIPE=4}. Hako makes two fifos in the bundle, opens them itself
 * (read-write and non-blocking: neither open waits, and they stay alive whatever conmon does) and
 * starts conmon with {@code posix_spawn} ({@link Spawn}), whose file actions open the fifos read-write
 * as the child's descriptors 3 and 4 and close every descriptor above 4: one exec where
 * {@link ProcessBuilder} and a shell wrapper took three (~4 ms per create and per exec). One byte on
 * the start fifo lets conmon go on; its first process writes the daemon's pid ({@code -P}) and exits;
 * the daemon (in its own session, a child subreaper, outliving Hako) runs {@code runtime create} and writes
 * {@code {"pid": N}} — or {@code {"pid": -1, "message": …}} — on the sync fifo. Hako holds the fifo's
 * write end too, so it never sees end-of-file: it polls with a deadline and watches conmon's pid.
 *
 * <p><b>Exits.</b> conmon writes the exit status to {@code <state>/exits/<id>} and to {@code exit} in the
 * persist directory (the bundle), and an {@code oom} file there when the kernel OOM-killed in the
 * container's cgroup. Hako keeps a link {@code <state>/bundles/<id>} to the bundle to find the latter.
 *
 * <p><b>ExecSync.</b> One {@code conmon --exec --sync -T <s>} per call, with the process in a temp
 * directory under {@code <state>/exec}; the output comes back through the {@code k8s-file} log.
 */
public final class Conmon implements AutoCloseable {
    private static final Log LOG = Log.of("conmon");

    /** stdout and stderr of an ExecSync are each cut at this size, as CRI-O does. */
    public static final int MAX_EXEC_OUTPUT = 16 * 1024 * 1024;
    /** Extra time Hako gives conmon beyond an exec's own timeout before killing it. */
    static final Duration EXEC_GRACE = Duration.ofSeconds(10);
    static final Duration DEFAULT_CREATE_TIMEOUT = Duration.ofSeconds(240);
    static final Duration REOPEN_TIMEOUT = Duration.ofSeconds(10);
    static final String TIMED_OUT_MESSAGE = "command timed out";
    /** How long a timed-out exec's processes get to die before ExecSync answers anyway. */
    static final Duration KILL_TREE_WAIT = Duration.ofSeconds(5);
    private static final String MONITOR_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** g_file_set_contents writes {@code <name>.XXXXXX} and renames it over {@code <name>}. */
    private static final Pattern TEMP_NAME = Pattern.compile(".*\\.[A-Za-z0-9]{6}$");

    private final Path conmon;
    private final Path stateDir;
    private final Path exitDir;
    private final Path attachDir;
    private final Path bundlesDir;
    private final Path execDir;
    private final List<WatchService> watchers = new CopyOnWriteArrayList<>();

    public Conmon(Path conmonBinary, Path stateDir) {
        this.conmon = conmonBinary;
        this.stateDir = stateDir;
        this.exitDir = stateDir.resolve("exits");
        this.attachDir = stateDir.resolve("attach");
        this.bundlesDir = stateDir.resolve("bundles");
        this.execDir = stateDir.resolve("exec");
    }

    public Path exitDir() {
        return exitDir;
    }

    public Path attachDir() {
        return attachDir;
    }

    // ---- create -------------------------------------------------------------------------------

    /**
     * @param joinsSandbox the container joins its pod's sandbox (gVisor): conmon supervises it through
     *                     {@link SandboxShim}'s stand-in, since its process is no child of conmon's
     */
    public record CreateRequest(String id, String name, Path bundle, OciRuntime runtime,
                                Path logPath, boolean tty, boolean stdin, boolean stdinOnce, Duration timeout,
                                boolean joinsSandbox) {
        public CreateRequest(String id, String name, Path bundle, OciRuntime runtime,
                             Path logPath, boolean tty, boolean stdin, boolean stdinOnce, Duration timeout) {
            this(id, name, bundle, runtime, logPath, tty, stdin, stdinOnce, timeout, false);
        }

        HandlerConfig handler() {
            return runtime.handler();
        }

        boolean systemdCgroup() {
            return runtime.systemdCgroup();
        }
    }

    /**
     * conmon create: returns the container's pid once runtime create succeeded; on failure HakoException
     * with the runtime's message (and the half-created container deleted). The log file's directory
     * must exist (conmon creates the file); without a log path the log goes to {@code <bundle>/ctr.log}.
     */
    public int create(CreateRequest r) {
        Objects.requireNonNull(r.id(), "id");
        Path bundle = r.bundle().toAbsolutePath();
        if (!Files.isRegularFile(bundle.resolve("config.json"))) {
            throw HakoException.failedPrecondition("bundle " + bundle + " has no config.json");
        }
        Duration timeout = r.timeout() == null || r.timeout().isZero() || r.timeout().isNegative()
                ? DEFAULT_CREATE_TIMEOUT : r.timeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            PrivateFiles.directory(exitDir);
            PrivateFiles.directory(attachDir);
            PrivateFiles.directory(bundlesDir);
            for (String stale : List.of("exit", "oom", "pidfile", "conmon.pid")) {
                Files.deleteIfExists(bundle.resolve(stale));
            }
            Files.deleteIfExists(exitDir.resolve(r.id()));
            linkBundle(r.id(), bundle);
        } catch (IOException e) {
            throw HakoException.internal("cannot prepare conmon for " + r.id() + ": " + e.getMessage(), e);
        }

        List<String> argv = new ArrayList<>();
        argv.add("-b");
        argv.add(bundle.toString());
        argv.add("-c");
        argv.add(r.id());
        argv.add("--exit-dir");
        argv.add(exitDir.toAbsolutePath().toString());
        argv.add("-l");
        Path logPath = r.logPath() != null ? r.logPath() : bundle.resolve("ctr.log");
        argv.add(logPath.toAbsolutePath().toString());
        argv.add("--log-level");
        argv.add(conmonLogLevel());
        argv.add("-n");
        argv.add(r.name() == null || r.name().isEmpty() ? r.id() : r.name());
        argv.add("-P");
        argv.add(bundle.resolve("conmon.pid").toString());
        argv.add("-p");
        argv.add(bundle.resolve("pidfile").toString());
        argv.add("--persist-dir");
        argv.add(bundle.toString());
        argv.add("-r");
        if (r.joinsSandbox()) {
            argv.add(SandboxShim.forHandler(stateDir, r.handler()).toString());
        } else {
            argv.add(r.handler().path().toString());
            for (String a : OciRuntime.globalArgs(r.handler())) {
                argv.add("--runtime-arg");
                argv.add(a);
            }
        }
        argv.add("--socket-dir-path");
        argv.add(attachDir.toAbsolutePath().toString());
        argv.add("--syslog");
        argv.add("-u");
        argv.add(r.id());
        if (r.systemdCgroup()) {
            argv.add("-s");
        }
        if (r.tty()) {
            argv.add("-t");
        } else if (r.stdin()) {
            if (!r.stdinOnce()) {
                argv.add("--leave-stdin-open");
            }
            argv.add("-i");
        }

        Pipes pipes = null;
        long notBefore = ProcessTree.nowTicks() - 1; // a timeout kills only processes of this create
        try {
            pipes = Pipes.open(bundle, "hako");
            Launch launch = launch(r.handler().monitor(), pipes, argv, bundle);
            ProcCalls.write(pipes.startFd, new byte[] {'0'});
            int firstExit = launch.waitFor(deadline);
            if (firstExit != 0) {
                forget(r.id());
                throw new HakoException(HakoException.Kind.INTERNAL, "conmon for " + r.id() + " exited with status "
                        + firstExit + before(launch.output()));
            }
            launch.discard(); // its daemon half writes to /dev/null; left, one file per create would pile up in <state>
            int monitorPid = readPid(bundle.resolve("conmon.pid"));
            Map<String, Object> msg = readSyncMessage(pipes.syncFd, deadline, monitorPid);
            if (msg == null) {
                boolean alive = monitorPid > 0 && ProcessHandle.of(monitorPid).map(ProcessHandle::isAlive).orElse(false);
                if (alive) {
                    // the monitor and the runtime it waits for: a killed conmon leaves a hung runtime behind
                    ProcessTree.killAll(monitorPid, notBefore, KILL_TREE_WAIT.toMillis());
                }
                cleanupFailed(r);
                throw new HakoException(HakoException.Kind.UNAVAILABLE, alive
                        ? "container " + r.id() + " was not created within " + timeout.toSeconds() + "s; its monitor was killed"
                        : "conmon for " + r.id() + " exited without reporting the container's pid");
            }
            long pid = msg.get("pid") instanceof Number n ? n.longValue() : -1;
            if (pid <= 0) {
                String m = msg.get("message") instanceof String s ? RuntimeMessages.clean(s) : "";
                cleanupFailed(r);
                throw new HakoException(HakoException.Kind.INTERNAL, "cannot create container " + r.id() + ": "
                        + (m.isEmpty() ? "the runtime failed without a message" : m));
            }
            return (int) pid;
        } catch (IOException e) {
            cleanupFailed(r);
            throw HakoException.internal("cannot run conmon for " + r.id() + ": " + e.getMessage(), e);
        } finally {
            if (pipes != null) {
                pipes.close();
            }
        }
    }

    private void cleanupFailed(CreateRequest r) {
        try {
            r.runtime().delete(r.id(), true);
        } catch (RuntimeException e) {
            LOG.debug("delete after a failed create failed", "id", r.id(), "error", e.getMessage());
        }
        forget(r.id());
    }

    /** Starts a container created with {@code joinsSandbox}: through its stand-in (see {@link SandboxShim}). */
    public void startInSandbox(String id, Path bundle, Duration timeout) {
        SandboxShim.start(id, bundle, timeout);
    }

    /** Lets the stand-in of a never-started {@code joinsSandbox} container exit, so its conmon ends too. */
    public void cancelStart(Path bundle) {
        SandboxShim.cancel(bundle);
    }

    // ---- exec ---------------------------------------------------------------------------------

    /** {@code timedOut}: the command ran past its timeout and was killed, with everything it started. */
    public record ExecResult(int exitCode, byte[] stdout, byte[] stderr, boolean timedOut) {
        public ExecResult(int exitCode, byte[] stdout, byte[] stderr) {
            this(exitCode, stdout, stderr, false);
        }

        static ExecResult timedOut(CriLog.Streams out) {
            return new ExecResult(-1, out.stdout(), out.stderr(), true);
        }
    }

    /**
     * ExecSync: {@code conmon --exec --sync}; stdout and stderr come back separated (parsed from the
     * k8s-file log conmon writes), each capped at 16 MiB. At the timeout Hako kills the command with its
     * process group, session and descendants and answers {@code timedOut} once they are gone; a process that cannot be started is a HakoException with the runtime's message.
     * A zero or null timeout means none. {@code bundle} is the container's; conmon 2.1.6's exec (the legacy,
     * synchronous one CRI-O uses) needs no bundle, so the exec's files live in a temp directory instead.
     */
    ExecResult execSync(String id, Path bundle, HandlerConfig handler, Map<String, Object> processSpec,
                        Duration timeout) {
        return execSync(id, bundle, handler, processSpec, timeout, null);
    }

    /**
     * ExecSync in a container inside a sandbox runtime's sandbox, where {@code sandbox} (null for other
     * runtimes) finds a timed-out command's processes and kills them.
     */
    ExecResult execSync(String id, Path bundle, HandlerConfig handler, Map<String, Object> processSpec,
                        Duration timeout, OciRuntime sandbox) {
        long timeoutSeconds = timeout == null || timeout.isNegative() || timeout.isZero() ? 0
                : Math.max(1, (timeout.toMillis() + 999) / 1000);
        Path dir;
        try {
            PrivateFiles.directory(execDir);
            dir = Files.createTempDirectory(execDir, safe(id) + "-"); // 0700
        } catch (IOException e) {
            throw HakoException.internal("cannot prepare an exec in " + id + ": " + e.getMessage(), e);
        }
        Path spec = dir.resolve("process.json");
        Path pidFile = dir.resolve("pidfile");
        Path log = dir.resolve("exec.log");
        Pipes pipes = null;
        Launch launch = null;
        try {
            PrivateFiles.writeString(spec, Json.write(processSpec)); // the environment: Secrets
            List<String> argv = new ArrayList<>();
            argv.add("-c");
            argv.add(id);
            argv.add("-n");
            argv.add(id);
            argv.add("-r");
            argv.add(execRuntime(handler, sandbox != null, dir).toString());
            argv.add("-p");
            argv.add(pidFile.toString());
            argv.add("-e");
            argv.add("-l");
            argv.add(log.toString());
            argv.add("--socket-dir-path");
            PrivateFiles.directory(attachDir);
            argv.add(attachDir.toAbsolutePath().toString());
            argv.add("--log-level");
            argv.add(conmonLogLevel());
            argv.add("--sync");
            // room for both capped streams plus the per-line timestamps; conmon stops logging beyond it
            argv.add("--log-global-size-max");
            argv.add(Long.toString(4L * MAX_EXEC_OUTPUT));
            if (Boolean.TRUE.equals(processSpec.get("terminal"))) {
                argv.add("-t");
            }
            if (timeoutSeconds > 0) {
                // Hako kills the command at its timeout, while its process tree can still be told apart;
                // conmon's own timer is only the safety net should Hako fail to
                argv.add("-T");
                argv.add(Long.toString(timeoutSeconds + EXEC_GRACE.toSeconds()));
            }
            argv.add("--exec-process-spec");
            argv.add(spec.toString());
            for (String a : OciRuntime.globalArgs(handler)) {
                argv.add("--runtime-arg");
                argv.add(a);
            }

            pipes = Pipes.open(dir, "exec");
            ProcCalls.write(pipes.startFd, new byte[] {'0'});
            long notBefore = ProcessTree.nowTicks() - 1; // only processes of this exec are ever killed
            launch = launch(handler.monitor(), pipes, argv, dir);
            long start = System.nanoTime();
            Integer conmonExit = timeoutSeconds > 0
                    ? launch.waitUntil(start + TimeUnit.SECONDS.toNanos(timeoutSeconds))
                    : launch.waitForOrKill(Long.MAX_VALUE);
            if (conmonExit == null) { // still running at the timeout: its whole tree goes, then conmon ends
                killTimedOut(id, sandbox, dir, pidFile, notBefore);
                launch.waitForOrKill(System.nanoTime() + EXEC_GRACE.toNanos());
                return ExecResult.timedOut(CriLog.read(log, MAX_EXEC_OUTPUT));
            }
            Map<String, Object> msg = readAvailableSyncMessage(pipes.syncFd, "exit_code");
            CriLog.Streams out = CriLog.read(log, MAX_EXEC_OUTPUT);
            long code = msg != null && msg.get("exit_code") instanceof Number n ? n.longValue() : -1;
            String message = msg != null && msg.get("message") instanceof String s ? s : null;
            if (msg == null || (code == -1 && TIMED_OUT_MESSAGE.equals(message))) {
                killTimedOut(id, sandbox, dir, pidFile, notBefore);
                if (timeoutSeconds > 0 && System.nanoTime() - start >= TimeUnit.SECONDS.toNanos(timeoutSeconds)) {
                    return ExecResult.timedOut(out);
                }
                throw new HakoException(HakoException.Kind.INTERNAL, "exec in " + id + ": conmon exited with status "
                        + conmonExit + " without reporting the command's exit code" + before(launch.output()));
            }
            if (message != null && code < 0) {
                String m = RuntimeMessages.clean(message);
                throw new HakoException(execFailure(m), "exec in " + id + " failed: "
                        + (m.isEmpty() ? "exit status " + code : m));
            }
            return new ExecResult((int) code, out.stdout(), out.stderr());
        } catch (IOException e) {
            throw HakoException.internal("exec in " + id + ": " + e.getMessage(), e);
        } finally {
            if (pipes != null) {
                pipes.close();
            }
            if (launch != null) {
                launch.discard();
            }
            deleteTree(dir);
        }
    }

    /**
     * The exec'd process after a timeout, if conmon did not take it down (it kills the process
     * group): killed, with a check that the pid still names a process started for this exec.
     */
    /**
     * After a timeout conmon has killed the runtime's exec, but what the command started may live on:
     * its process, process group and session and their descendants are killed before the call returns.
     */
    private static void killTimedOut(String id, OciRuntime sandbox, Path dir, Path pidFile, long notBefore) {
        if (sandbox != null) {
            // the host pid is runsc's own exec process; the command lives inside the sandbox
            int inner = readPid(dir.resolve(SANDBOX_PID_FILE));
            if (inner > 1) {
                try {
                    int n = sandbox.killTreeInSandbox(id, inner, 9);
                    LOG.debug("killed a timed-out exec in its sandbox", "container", id, "pid", inner, "processes", n);
                } catch (HakoException e) {
                    LOG.warn("cannot kill a timed-out exec in its sandbox", "container", id, "error", e.getMessage());
                }
            }
        }
        int pid = readPid(pidFile);
        // under load the runtime may not have written the pid yet
        for (int i = 0; pid <= 1 && i < 40; i++) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            pid = readPid(pidFile);
        }
        if (pid <= 1) {
            LOG.warn("a timed-out exec left no pid file; conmon's own timeout ends it", "container", id);
            return;
        }
        int killed = ProcessTree.killAll(pid, notBefore, KILL_TREE_WAIT.toMillis());
        LOG.debug("killed a timed-out exec", "container", id, "pid", pid, "processes", killed);
    }

    static final String SANDBOX_PID_FILE = "pid.sandbox";

    /**
     * The runtime conmon runs for one exec: the handler's binary, or for a sandbox runtime a wrapper in
     * the exec's directory that also has runsc write the command's pid inside the sandbox, which a
     * timeout needs to find the command's processes there.
     */
    private static Path execRuntime(HandlerConfig handler, boolean inSandbox, Path dir) throws IOException {
        if (!inSandbox) {
            return handler.path();
        }
        Path wrapper = dir.resolve("runtime");
        Files.writeString(wrapper, """
                #!/bin/sh
                # written by hako for one exec: %s, with --internal-pid-file after its exec subcommand
                done=""
                for a in "$@"; do
                  shift
                  if [ -z "$done" ] && [ "$a" = exec ]; then set -- "$@" exec --internal-pid-file '%s'; done=1
                  else set -- "$@" "$a"; fi
                done
                exec '%s' "$@"
                """.formatted(handler.path(), dir.resolve(SANDBOX_PID_FILE), handler.path()));
        Files.setPosixFilePermissions(wrapper, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        return wrapper;
    }

    // ---- exit status, logs, watching ----------------------------------------------------------

    public record Exit(int code, Instant at, boolean oomKilled) {}

    /** The exit file conmon wrote for the container, if it has exited: code and time (file mtime). */
    public Optional<Exit> exit(String id) {
        return exit(id, bundleOf(id));
    }

    /** As {@link #exit(String)}, with the bundle (persist directory) given: also finds {@code <bundle>/exit}. */
    public Optional<Exit> exit(String id, Path bundle) {
        Path file = exitDir.resolve(id);
        if (!Files.isRegularFile(file) && bundle != null) {
            file = bundle.resolve("exit");
        }
        String text;
        Instant at;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
            at = Files.getLastModifiedTime(file).toInstant();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw HakoException.internal("cannot read exit file " + file + ": " + e.getMessage(), e);
        }
        int code;
        try {
            code = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            code = -1;
        }
        boolean oom = bundle != null && Files.exists(bundle.resolve("oom"));
        return Optional.of(new Exit(code, at, oom));
    }

    /** The bundle recorded for a container by {@link #create}, or null. */
    public Path bundleOf(String id) {
        Path link = bundlesDir.resolve(id);
        try {
            return Files.readSymbolicLink(link);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Forgets a removed container: its exit file, bundle link and attach-socket link. */
    public void forget(String id) {
        for (Path p : List.of(exitDir.resolve(id), bundlesDir.resolve(id), attachDir.resolve(id))) {
            try {
                if (Files.isSymbolicLink(p) || Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                LOG.debug("cannot remove", "path", p, "error", e.getMessage());
            }
        }
        forgetAttachLinksTo(id);
    }

    /**
     * conmon names its attach link after the container, but shortens the name when the socket path
     * would not fit a unix socket address: any link in the attach directory that leads to this
     * container's bundle link goes too.
     */
    private void forgetAttachLinksTo(String id) {
        if (!Files.isDirectory(attachDir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (java.nio.file.DirectoryStream<Path> links = Files.newDirectoryStream(attachDir, Files::isSymbolicLink)) {
            for (Path link : links) {
                Path target = Files.readSymbolicLink(link);
                if (target.getFileName() != null && target.getFileName().toString().equals(id)) {
                    Files.deleteIfExists(link);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot clean attach links", "dir", attachDir, "container", id, "error", e.getMessage());
        }
    }

    /**
     * ReopenContainerLog: writes {@code "2 0 0\n"} to {@code <bundle>/ctl} and waits (bounded) until
     * conmon has opened a new file at {@code logPath}. Never creates the file itself.
     */
    public void reopenLog(Path bundle, Path logPath) {
        Path ctl = bundle.resolve("ctl");
        Object before = fileKey(logPath);
        int fd;
        try {
            fd = ProcCalls.open(ctl, ProcCalls.O_WRONLY | ProcCalls.O_NONBLOCK);
        } catch (ErrnoException e) {
            if (e.errno() == ProcCalls.ENXIO || e.errno() == dev.hako.sys.Errno.ENOENT) {
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
        long deadline = System.nanoTime() + REOPEN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Object now = fileKey(logPath);
            if (now != null && !now.equals(before)) {
                return;
            }
            sleep(10);
        }
        throw new HakoException(HakoException.Kind.UNAVAILABLE, "conmon did not reopen " + logPath + " within "
                + REOPEN_TIMEOUT.toSeconds() + "s");
    }

    private static Object fileKey(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Watches {@code <state>/exits} (inotify, through a WatchService) and calls {@code onExit} with
     * the container id of each exit file that appears, on a daemon thread (ids ending in a dot and six
     * letters or digits look like conmon's temp files and are not reported). After an event overflow
     * every file present is reported again: the listener must tolerate repeats. Stops at {@link #close()}.
     */
    public void watchExits(Consumer<String> onExit) {
        WatchService ws;
        try {
            PrivateFiles.directory(exitDir);
            ws = exitDir.getFileSystem().newWatchService();
            exitDir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException e) {
            throw HakoException.internal("cannot watch " + exitDir + ": " + e.getMessage(), e);
        }
        watchers.add(ws);
        Thread.ofPlatform().daemon().name("hako-exit-watch").start(() -> {
            try {
                while (true) {
                    WatchKey key = ws.take();
                    for (WatchEvent<?> ev : key.pollEvents()) {
                        if (ev.kind() == StandardWatchEventKinds.OVERFLOW) {
                            rescan(onExit);
                            continue;
                        }
                        String name = ev.context().toString();
                        if (TEMP_NAME.matcher(name).matches()) {
                            continue; // conmon's temp file: the rename to the id follows
                        }
                        if (Files.isRegularFile(exitDir.resolve(name))) {
                            deliver(onExit, name);
                        }
                    }
                    if (!key.reset()) {
                        return;
                    }
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                // closed
            }
        });
    }

    private void rescan(Consumer<String> onExit) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(exitDir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (Files.isRegularFile(p) && !TEMP_NAME.matcher(name).matches()) {
                    deliver(onExit, name);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot rescan exit files", "dir", exitDir, "error", e.getMessage());
        }
    }

    private static void deliver(Consumer<String> onExit, String id) {
        try {
            onExit.accept(id);
        } catch (RuntimeException e) {
            LOG.warn("exit listener failed", "id", id, "error", e.toString());
        }
    }

    /** Stops the exit watchers. Containers and their monitors keep running. */
    @Override
    public void close() {
        for (WatchService ws : watchers) {
            try {
                ws.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        watchers.clear();
    }

    // ---- plumbing -----------------------------------------------------------------------------

    /** The two fifos conmon gets as descriptors 3 (sync) and 4 (start), with Hako's own ends open. */
    private static final class Pipes implements AutoCloseable {
        final Path sync;
        final Path start;
        final int syncFd;
        final int startFd;

        private Pipes(Path sync, Path start, int syncFd, int startFd) {
            this.sync = sync;
            this.start = start;
            this.syncFd = syncFd;
            this.startFd = startFd;
        }

        static Pipes open(Path dir, String prefix) throws IOException {
            Path sync = dir.resolve(prefix + "-sync.fifo");
            Path start = dir.resolve(prefix + "-start.fifo");
            Files.deleteIfExists(sync);
            Files.deleteIfExists(start);
            ProcCalls.mkfifo(sync, 0600);
            ProcCalls.mkfifo(start, 0600);
            int s = -1;
            try {
                s = ProcCalls.open(sync, ProcCalls.O_RDWR | ProcCalls.O_NONBLOCK);
                int t = ProcCalls.open(start, ProcCalls.O_RDWR | ProcCalls.O_NONBLOCK);
                return new Pipes(sync, start, s, t);
            } catch (IOException e) {
                ProcCalls.close(s);
                Files.deleteIfExists(sync);
                Files.deleteIfExists(start);
                throw e;
            }
        }

        @Override
        public void close() {
            ProcCalls.close(syncFd);
            ProcCalls.close(startFd);
            try {
                Files.deleteIfExists(sync);
                Files.deleteIfExists(start);
            } catch (IOException e) {
                // the directory goes with the bundle
            }
        }
    }

    /** A started conmon, its combined stdout and stderr in a temp file. */
    private static final class Launch {
        final SpawnedProcess process;
        final Path output;

        Launch(SpawnedProcess process, Path output) {
            this.process = process;
            this.output = output;
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

        String output() {
            try {
                String s = Files.readString(output, StandardCharsets.UTF_8).strip();
                return s.length() > 4096 ? s.substring(0, 4096) : s;
            } catch (IOException e) {
                return "";
            }
        }

        void discard() {
            try {
                Files.deleteIfExists(output);
            } catch (IOException e) {
                // in a temp directory
            }
        }
    }

    /**
     * Starts conmon: stdin /dev/null, stdout and stderr to a temp file, the sync and start fifos as
     * descriptors 3 and 4, nothing else inherited; a cleared environment but PATH and XDG_RUNTIME_DIR.
     */
    private Launch launch(Path monitor, Pipes pipes, List<String> conmonArgs, Path cwd) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add((monitor != null ? monitor : conmon).toAbsolutePath().toString());
        cmd.addAll(conmonArgs);
        Files.createDirectories(stateDir);
        Path out = Files.createTempFile(stateDir, "conmon-", ".out");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", MONITOR_PATH);
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null) {
            env.put("XDG_RUNTIME_DIR", xdg);
        }
        env.put("_OCI_SYNCPIPE", "3");
        env.put("_OCI_STARTPIPE", "4");
        if (Log.enabled(dev.hako.log.Level.DEBUG)) {
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
            return new Launch(p, out);
        } catch (IOException e) {
            Files.deleteIfExists(out);
            throw e;
        }
    }

    /**
     * Reads one JSON line from the sync fifo, waiting until {@code deadline}; gives up early (null)
     * once {@code monitorPid} is gone and nothing is left to read.
     */
    private static Map<String, Object> readSyncMessage(int fd, long deadline, int monitorPid) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        while (true) {
            Map<String, Object> m = drainLine(fd, buf);
            if (m != null) {
                return m;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            int wait = (int) Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 100);
            int ev = ProcCalls.poll(fd, ProcCalls.POLLIN, wait);
            if (ev == 0 && monitorPid > 0 && !ProcessHandle.of(monitorPid).map(ProcessHandle::isAlive).orElse(false)) {
                Map<String, Object> last = drainLine(fd, buf); // it may have written just before exiting
                return last;
            }
        }
    }

    /** What conmon left on the sync fifo after exiting: the last JSON object carrying {@code key}, or null. */
    private static Map<String, Object> readAvailableSyncMessage(int fd, String key) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk;
        while ((chunk = ProcCalls.read(fd, 65536)) != null && chunk.length > 0) {
            buf.write(chunk);
        }
        Map<String, Object> found = null;
        for (String line : buf.toString(StandardCharsets.UTF_8).split("\n")) {
            Map<String, Object> m = parseJson(line);
            if (m != null && m.containsKey(key)) {
                found = m;
            }
        }
        return found;
    }

    private static Map<String, Object> drainLine(int fd, ByteArrayOutputStream buf) throws IOException {
        byte[] chunk;
        while ((chunk = ProcCalls.read(fd, 65536)) != null && chunk.length > 0) {
            buf.write(chunk);
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        if (nl < 0) {
            return null;
        }
        return parseJson(s.substring(0, nl));
    }

    private static Map<String, Object> parseJson(String line) {
        String l = line.strip();
        if (l.isEmpty()) {
            return null;
        }
        try {
            return Json.parseObject(l);
        } catch (IllegalArgumentException e) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("pid", -1L);
            m.put("exit_code", -1L);
            m.put("message", "unreadable answer from conmon: " + l);
            return m;
        }
    }

    private static int readPid(Path file) {
        try {
            return Integer.parseInt(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private void linkBundle(String id, Path bundle) throws IOException {
        Path link = bundlesDir.resolve(id);
        Files.deleteIfExists(link);
        try {
            Files.createSymbolicLink(link, bundle);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, bundle);
        }
    }

    private static String conmonLogLevel() {
        return Log.level().label();
    }

    private static String before(String output) {
        return output == null || output.isEmpty() ? "" : ": " + output;
    }

    private static String safe(String id) {
        String s = id.replaceAll("[^A-Za-z0-9_.-]", "_");
        return s.length() > 64 ? s.substring(0, 64) : s;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HakoException(HakoException.Kind.UNAVAILABLE, "interrupted");
        }
    }

    private static void deleteTree(Path dir) {
        try {
            dev.hako.sys.FileTrees.delete(dir);
        } catch (IOException e) {
            // best effort: a leftover temp directory is harmless
        }
    }

    /**
     * The class of a failed exec by what the runtime said: a command the container cannot run (Go's
     * {@code exec: "prog": ...} from runc's init: missing, not executable) is the caller's to fix.
     */
    static HakoException.Kind execFailure(String runtimeMessage) {
        if (!runtimeMessage.contains("exec: \"")) {
            return HakoException.Kind.INTERNAL;
        }
        return runtimeMessage.contains("executable file not found") || runtimeMessage.contains("no such file or directory")
                ? HakoException.Kind.NOT_FOUND
                : HakoException.Kind.FAILED_PRECONDITION;
    }

}
