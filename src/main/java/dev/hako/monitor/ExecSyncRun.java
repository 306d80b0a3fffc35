package dev.hako.monitor;

import dev.hako.config.HandlerConfig;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.log.Log;
import dev.hako.oci.OciRuntime;
import dev.hako.oci.RuntimeMessages;
import dev.hako.sys.FileTrees;
import dev.hako.sys.PrivateFiles;
import dev.hako.sys.ProcessTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One ExecSync: {@code conmon --exec --sync -T <s>}, with the process in a temp directory under
 * {@code <state>/exec} (conmon 2.1.6's exec, the legacy synchronous one CRI-O uses, needs no bundle); the
 * output comes back through the {@code k8s-file} log conmon writes there, the exit code on the sync fifo.
 */
final class ExecSyncRun {
    private static final Log LOG = Log.of("conmon");

    /** stdout and stderr of an ExecSync are each cut at this size, as CRI-O does. */
    static final int MAX_OUTPUT = 16 * 1024 * 1024;
    /** Extra time Hako gives conmon beyond an exec's own timeout before killing it. */
    static final Duration GRACE = Duration.ofSeconds(10);
    /** What conmon's own timer reports. */
    static final String TIMED_OUT_MESSAGE = "command timed out";
    /** Where the sandbox wrapper has runsc write the command's pid inside the sandbox. */
    static final String SANDBOX_PID_FILE = "pid.sandbox";

    /** The files of one exec, in its temp directory. */
    record ExecDir(Path dir) {
        Path spec() {
            return dir.resolve("process.json");
        }

        Path pidFile() {
            return dir.resolve("pidfile");
        }

        Path log() {
            return dir.resolve("exec.log");
        }

        Path sandboxPidFile() {
            return dir.resolve(SANDBOX_PID_FILE);
        }

        Path runtimeWrapper() {
            return dir.resolve("runtime");
        }
    }

    private ExecSyncRun() {}

    /**
     * See {@link Conmon#execSync}: {@code sandbox} (null for other runtimes) finds a timed-out command's
     * processes inside a sandbox runtime's sandbox and kills them.
     */
    static Conmon.ExecResult run(ConmonDirs dirs, String id, HandlerConfig handler, Map<String, Object> processSpec,
                                 Duration timeout, OciRuntime sandbox) {
        long timeoutSeconds = timeoutSeconds(timeout);
        Path dir;
        try {
            PrivateFiles.directory(dirs.execs());
            dir = Files.createTempDirectory(dirs.execs(), safe(id) + "-"); // 0700
        } catch (IOException e) {
            throw HakoException.internal("cannot prepare an exec in " + id + ": " + e.getMessage(), e);
        }
        ExecDir files = new ExecDir(dir);
        SyncPipes pipes = null;
        ConmonLaunch launch = null;
        try {
            PrivateFiles.writeString(files.spec(), Json.write(processSpec)); // the environment: Secrets
            Path runtime = runtime(handler, sandbox != null, files);
            PrivateFiles.directory(dirs.attach());
            List<String> argv = ConmonArgs.exec(dirs, id, handler, runtime, files,
                    Boolean.TRUE.equals(processSpec.get("terminal")), timeoutSeconds);

            pipes = SyncPipes.open(dir, "exec");
            pipes.release();
            long notBefore = ProcessTree.nowTicks() - 1; // only processes of this exec are ever killed
            launch = ConmonLaunch.start(dirs, handler.monitor(), pipes, argv, dir);
            long start = System.nanoTime();
            Integer conmonExit = timeoutSeconds > 0
                    ? launch.waitUntil(start + TimeUnit.SECONDS.toNanos(timeoutSeconds))
                    : launch.waitForOrKill(Long.MAX_VALUE);
            if (conmonExit == null) { // still running at the timeout: its whole tree goes, then conmon ends
                killTimedOut(id, sandbox, files, notBefore);
                launch.waitForOrKill(System.nanoTime() + GRACE.toNanos());
                return Conmon.ExecResult.timedOut(CriLog.read(files.log(), MAX_OUTPUT));
            }
            Map<String, Object> msg = pipes.leftMessage("exit_code");
            CriLog.Streams out = CriLog.read(files.log(), MAX_OUTPUT);
            long code = msg != null && msg.get("exit_code") instanceof Number n ? n.longValue() : -1;
            String message = msg != null && msg.get("message") instanceof String s ? s : null;
            if (msg == null || (code == -1 && TIMED_OUT_MESSAGE.equals(message))) {
                killTimedOut(id, sandbox, files, notBefore);
                if (timeoutSeconds > 0 && System.nanoTime() - start >= TimeUnit.SECONDS.toNanos(timeoutSeconds)) {
                    return Conmon.ExecResult.timedOut(out);
                }
                throw new HakoException(HakoException.Kind.INTERNAL, "exec in " + id + ": conmon exited with status "
                        + conmonExit + " without reporting the command's exit code" + launch.outputSuffix());
            }
            if (message != null && code < 0) {
                String m = RuntimeMessages.clean(message);
                throw new HakoException(failureKind(m), "exec in " + id + " failed: "
                        + (m.isEmpty() ? "exit status " + code : m));
            }
            return new Conmon.ExecResult((int) code, out.stdout(), out.stderr());
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

    /** An exec's timeout in whole seconds, rounded up; 0 (none) for a null, zero or negative one. */
    static long timeoutSeconds(Duration timeout) {
        return timeout == null || timeout.isNegative() || timeout.isZero() ? 0
                : Math.max(1, (timeout.toMillis() + 999) / 1000);
    }

    /**
     * After a timeout conmon has killed the runtime's exec, but what the command started may live on:
     * its process, process group and session and their descendants are killed before the call returns.
     */
    private static void killTimedOut(String id, OciRuntime sandbox, ExecDir files, long notBefore) {
        if (sandbox != null) {
            // the host pid is runsc's own exec process; the command lives inside the sandbox
            int inner = PidFiles.read(files.sandboxPidFile());
            if (inner > 1) {
                try {
                    int n = sandbox.killTreeInSandbox(id, inner, 9);
                    LOG.debug("killed a timed-out exec in its sandbox", "container", id, "pid", inner, "processes", n);
                } catch (HakoException e) {
                    LOG.warn("cannot kill a timed-out exec in its sandbox; the command may keep running there", "container", id,
                            "error", Log.cause(e));
                }
            }
        }
        int pid = PidFiles.read(files.pidFile());
        // under load the runtime may not have written the pid yet
        for (int i = 0; pid <= 1 && i < 40; i++) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            pid = PidFiles.read(files.pidFile());
        }
        if (pid <= 1) {
            LOG.warn("a timed-out exec left no pid file; conmon's own timeout ends it", "container", id);
            return;
        }
        int killed = ProcessTree.killAll(pid, notBefore, Conmon.KILL_TREE_WAIT.toMillis());
        LOG.debug("killed a timed-out exec", "container", id, "pid", pid, "processes", killed);
    }

    /**
     * The runtime conmon runs for one exec: the handler's binary, or for a sandbox runtime a wrapper in
     * the exec's directory that also has runsc write the command's pid inside the sandbox, which a
     * timeout needs to find the command's processes there.
     */
    static Path runtime(HandlerConfig handler, boolean inSandbox, ExecDir files) throws IOException {
        if (!inSandbox) {
            return handler.path();
        }
        Path wrapper = files.runtimeWrapper();
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
                """.formatted(handler.path(), files.sandboxPidFile(), handler.path()));
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        return wrapper;
    }

    /**
     * The class of a failed exec by what the runtime said: a command the container cannot run (Go's
     * {@code exec: "prog": ...} from runc's init: missing, not executable) is the caller's to fix.
     */
    static HakoException.Kind failureKind(String runtimeMessage) {
        if (!runtimeMessage.contains("exec: \"")) {
            return HakoException.Kind.INTERNAL;
        }
        return runtimeMessage.contains("executable file not found") || runtimeMessage.contains("no such file or directory")
                ? HakoException.Kind.NOT_FOUND
                : HakoException.Kind.FAILED_PRECONDITION;
    }

    /** {@code id} as a file-name prefix: safe characters only, at most 64. */
    static String safe(String id) {
        String s = id.replaceAll("[^A-Za-z0-9_.-]", "_");
        return s.length() > 64 ? s.substring(0, 64) : s;
    }

    private static void deleteTree(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            // best effort: a leftover temp directory is harmless
        }
    }
}
