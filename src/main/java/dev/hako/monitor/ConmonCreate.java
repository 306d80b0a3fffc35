package dev.hako.monitor;

import dev.hako.error.HakoException;
import dev.hako.metrics.Metrics;
import dev.hako.log.Log;
import dev.hako.oci.RuntimeMessages;
import dev.hako.sys.PrivateFiles;
import dev.hako.sys.ProcessTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A container's create under conmon. conmon is started with the sync and start fifos ({@link SyncPipes});
 * the start byte lets it go on; its first process writes the daemon's pid ({@code -P}) and exits; the
 * daemon (in its own session, a child subreaper, outliving Hako) runs {@code runtime create} and reports
 * the container's pid, or the runtime's message, on the sync fifo.
 */
final class ConmonCreate {
    private static final Log LOG = Log.of("conmon");
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(240);

    private final ConmonDirs dirs;
    private final ContainerLinks links;

    ConmonCreate(ConmonDirs dirs, ContainerLinks links) {
        this.dirs = dirs;
        this.links = links;
    }

    /** See {@link Conmon#create}. */
    int create(Conmon.CreateRequest r) {
        Objects.requireNonNull(r.id(), "id");
        Path bundle = r.bundle().toAbsolutePath();
        if (!Files.isRegularFile(bundle.resolve("config.json"))) {
            throw HakoException.failedPrecondition("bundle " + bundle + " has no config.json");
        }
        Duration timeout = r.timeout() == null || r.timeout().isZero() || r.timeout().isNegative()
                ? DEFAULT_TIMEOUT : r.timeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            PrivateFiles.directory(dirs.exits());
            PrivateFiles.directory(dirs.attach());
            PrivateFiles.directory(dirs.bundles());
            for (String stale : List.of("exit", "oom", "pidfile", "conmon.pid")) {
                Files.deleteIfExists(bundle.resolve(stale));
            }
            Files.deleteIfExists(dirs.exits().resolve(r.id()));
            links.link(r.id(), bundle);
        } catch (IOException e) {
            throw HakoException.internal("cannot prepare conmon for " + r.id() + ": " + e.getMessage(), e);
        }
        Path shim = r.joinsSandbox() ? SandboxShim.forHandler(dirs.state(), r.handler()) : null;
        List<String> argv = ConmonArgs.create(dirs, r, bundle, shim);

        SyncPipes pipes = null;
        long notBefore = ProcessTree.nowTicks() - 1; // a timeout kills only processes of this create
        try {
            pipes = SyncPipes.open(bundle, "hako");
            ConmonLaunch launch = ConmonLaunch.start(dirs, r.handler().monitor(), pipes, argv, bundle);
            pipes.release();
            int firstExit = launch.waitFor(deadline);
            if (firstExit != 0) {
                links.forget(r.id());
                Metrics.processFailure("conmon", r.handler().name(), "create");
                throw new HakoException(HakoException.Kind.INTERNAL, "conmon for " + r.id() + " exited with status "
                        + firstExit + launch.outputSuffix());
            }
            launch.discard(); // its daemon half writes to /dev/null; left, one file per create would pile up in <state>
            int monitorPid = PidFiles.read(bundle.resolve("conmon.pid"));
            Map<String, Object> msg = pipes.awaitMessage(deadline, monitorPid);
            if (msg == null) {
                boolean alive = monitorPid > 0 && ProcessHandle.of(monitorPid).map(ProcessHandle::isAlive).orElse(false);
                if (alive) {
                    // the monitor and the runtime it waits for: a killed conmon leaves a hung runtime behind
                    ProcessTree.killAll(monitorPid, notBefore, Conmon.KILL_TREE_WAIT.toMillis());
                }
                cleanupFailed(r);
                Metrics.processFailure("conmon", r.handler().name(), "create");
                throw new HakoException(HakoException.Kind.UNAVAILABLE, alive
                        ? "container " + r.id() + " was not created within " + timeout.toSeconds() + "s; its monitor was killed"
                        : "conmon for " + r.id() + " exited without reporting the container's pid");
            }
            long pid = msg.get("pid") instanceof Number n ? n.longValue() : -1;
            if (pid <= 0) {
                String m = msg.get("message") instanceof String s ? RuntimeMessages.clean(s) : "";
                cleanupFailed(r);
                Metrics.processFailure("runtime", r.handler().name(), "create");
                if (RuntimeMessages.cannotExec(m)) { // the image's fault, not the node's
                    throw new HakoException(HakoException.Kind.FAILED_PRECONDITION, "container " + r.id()
                            + ": its command cannot be run from the image (check command/args and the image): " + m);
                }
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

    private void cleanupFailed(Conmon.CreateRequest r) {
        try {
            r.runtime().delete(r.id(), true);
        } catch (RuntimeException e) {
            LOG.debug("delete after a failed create failed", "container", r.id(), "error", e.getMessage());
        }
        links.forget(r.id());
    }
}
