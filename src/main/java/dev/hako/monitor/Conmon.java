package dev.hako.monitor;

import dev.hako.config.HandlerConfig;
import dev.hako.oci.OciRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Containers supervised by conmon 2.1.6, driven exactly as CRI-O drives it; the daemon owns one.
 *
 * <p><b>Create</b> ({@link ConmonCreate}). conmon takes its sync and start pipes as inherited descriptors 3
 * and 4, named by {@code _OCI_SYNCPIPE=3 _OCI_STARTPIPE=4}. Hako makes two fifos in the bundle and opens them
 * itself ({@link SyncPipes}), starts conmon with {@code posix_spawn} ({@link ConmonLaunch}) on the command
 * line {@link ConmonArgs} writes, and reads the container's pid, or the runtime's message, from the sync fifo.
 *
 * <p><b>Exits</b> ({@link ExitFiles}, {@link ExitWatch}). conmon writes the exit status to
 * {@code <state>/exits/<id>} and to {@code exit} in the persist directory (the bundle), and an {@code oom}
 * file there when the kernel OOM-killed in the container's cgroup. Hako keeps a link
 * {@code <state>/bundles/<id>} to the bundle to find the latter ({@link ContainerLinks}).
 *
 * <p><b>ExecSync</b> ({@link ExecSyncRun}). One {@code conmon --exec --sync -T <s>} per call, with the process
 * in a temp directory under {@code <state>/exec}; the output comes back through the {@code k8s-file} log.
 */
public final class Conmon implements AutoCloseable {
    /** How long a timed-out exec's (or create's) processes get to die before the call answers anyway. */
    static final Duration KILL_TREE_WAIT = Duration.ofSeconds(5);

    private final ConmonDirs dirs;
    private final ContainerLinks links;
    private final ConmonCreate creates;
    private final ExitFiles exits;
    private final ExitWatch exitWatch;

    public Conmon(Path conmonBinary, Path stateDir) {
        this.dirs = new ConmonDirs(conmonBinary, stateDir);
        this.links = new ContainerLinks(dirs);
        this.creates = new ConmonCreate(dirs, links);
        this.exits = new ExitFiles(dirs, links);
        this.exitWatch = new ExitWatch(dirs.exits());
    }

    public Path exitDir() {
        return dirs.exits();
    }

    public Path attachDir() {
        return dirs.attach();
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
        return creates.create(r);
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
        return ExecSyncRun.run(dirs, id, handler, processSpec, timeout, sandbox);
    }

    // ---- exit status, logs, watching ----------------------------------------------------------

    public record Exit(int code, Instant at, boolean oomKilled) {}

    /** The exit file conmon wrote for the container, if it has exited: code and time (file mtime). */
    public Optional<Exit> exit(String id) {
        return exits.exit(id);
    }

    /** As {@link #exit(String)}, with the bundle (persist directory) given: also finds {@code <bundle>/exit}. */
    public Optional<Exit> exit(String id, Path bundle) {
        return exits.exit(id, bundle);
    }

    /** The bundle recorded for a container by {@link #create}, or null. */
    public Path bundleOf(String id) {
        return links.bundleOf(id);
    }

    /** Forgets a removed container: its exit file, bundle link and attach-socket link. */
    public void forget(String id) {
        links.forget(id);
    }

    /**
     * ReopenContainerLog: writes {@code "2 0 0\n"} to {@code <bundle>/ctl} and waits (bounded) until
     * conmon has opened a new file at {@code logPath}. Never creates the file itself.
     */
    public void reopenLog(Path bundle, Path logPath) {
        LogReopen.reopen(bundle, logPath);
    }

    /**
     * Watches {@code <state>/exits} (inotify, through a WatchService) and calls {@code onExit} with
     * the container id of each exit file that appears, on a daemon thread (ids ending in a dot and six
     * letters or digits look like conmon's temp files and are not reported). After an event overflow
     * every file present is reported again: the listener must tolerate repeats. Stops at {@link #close()}.
     */
    public void watchExits(Consumer<String> onExit) {
        exitWatch.watch(onExit);
    }

    /** Stops the exit watchers. Containers and their monitors keep running. */
    @Override
    public void close() {
        exitWatch.close();
    }
}
