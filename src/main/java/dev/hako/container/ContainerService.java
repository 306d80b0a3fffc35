package dev.hako.container;

import dev.hako.config.HakoConfig;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.error.HakoException;
import dev.hako.metrics.Metrics;
import dev.hako.trace.Trace;
import dev.hako.image.ImageService;
import dev.hako.json.Json;
import dev.hako.log.Log;
import dev.hako.monitor.Conmon;
import dev.hako.monitor.ContainerRuntime;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.oci.ExecProcess;
import dev.hako.oci.OciRuntime;
import dev.hako.oci.RuntimeHandlers;
import dev.hako.pod.PodContainers;
import dev.hako.pod.PodService;
import dev.hako.spec.HostFacts;
import dev.hako.spec.SpecGenerator;
import dev.hako.store.ContainerRow;
import dev.hako.store.MetadataStore;
import dev.hako.sys.PrivateFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Containers: create, start, stop, remove, status, exec, logs, and recovery after a daemon restart.
 * conmon outlives the daemon, so containers keep running while Hako is stopped; exit files tell what
 * happened meanwhile. The entry point: creating is {@link ContainerCreation}, the records
 * {@link ContainerRecords}, the directories {@link ContainerBundles}, recovery {@link ContainerRecovery}.
 */
public final class ContainerService implements PodContainers {
    private static final Log LOG = Log.of("container");
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The reason of a container whose record could not be reconciled at start-up. */
    public static final String RECOVERY_FAILED = "RecoveryFailed";

    private final ContainerRuntimes runtimes;
    private final Conmon conmon;
    private final ContainerRecords records;
    private final ContainerBundles bundles;
    private final ContainerLocks locks = new ContainerLocks();
    private final ContainerExits exits;
    private final ContainerEvents events;
    private final ContainerCreation creation;
    private final ContainerRecovery recovery;

    /**
     * With {@code handlers}, containers asking for a feature their runtime lacks are refused up front;
     * {@code runtimes} run the containers, under the daemon's one conmon.
     */
    public ContainerService(HakoConfig config, MetadataStore store, PodService pods, ImageService images,
                            RuntimeHandlers handlers, ContainerRuntimes runtimes, HostFacts host) {
        this.runtimes = runtimes;
        this.conmon = runtimes.conmon();
        this.records = new ContainerRecords(store);
        this.bundles = new ContainerBundles(config);
        this.events = new ContainerEvents(pods, records);
        pods.observe(events);
        this.exits = new ContainerExits(conmon, records, locks, events);
        this.creation = new ContainerCreation(config, handlers, runtimes, pods, images, records, bundles, events,
                new SpecGenerator(host));
        this.recovery = new ContainerRecovery(records, bundles, exits, runtimes);
    }

    /** Who hears of containers created, started and removed (the stats sampler). */
    public void observe(ContainerObserver o) {
        events.observe(o);
    }

    /**
     * A new subscriber to the lifecycle events of every container and pod sandbox (GetContainerEvents),
     * {@code name} naming it in logs: in order, from now on, until it is closed or falls
     * {@value ContainerEvents#BUFFER} events behind (then it is dropped).
     */
    public EventHub.Subscription<LifecycleEvent> subscribeEvents(String name) {
        return events.subscribe(name);
    }

    // ---- create / start -------------------------------------------------------------------

    public String create(String podId, ContainerConfig cfg) {
        return creation.create(podId, cfg);
    }

    public void start(String id) {
        synchronized (locks.of(id)) {
            Container c = get(id);
            if (c.state() != Container.State.CREATED) {
                throw HakoException.failedPrecondition("container " + id + " is " + c.state().name().toLowerCase()
                        + ", only a created container can be started");
            }
            long started = Metrics.now();
            Trace.pod(c.podId(), c.name()); // the call's phases join the pod's start-up timings
            try {
                Trace.run("runtime start", () -> runtimes.runtime(c.handler()).start(id, c.pid(), c.bundle(), START_TIMEOUT));
            } catch (HakoException e) {
                // keep the failed container visible with the runtime's reason, as the kubelet expects
                Container failed = c.with(Container.State.EXITED, null, Instant.now(), 128, "StartError", e.getMessage(), c.pid());
                records.save(failed);
                events.stopped(failed);
                LOG.warn("container start failed; it stays listed as exited (reason StartError) and the kubelet restarts it "
                        + "as its restart policy says", "container", id, "container_name", c.name(), "pod", c.podId(),
                        "handler", c.handler(), "error", Log.cause(e));
                throw e;
            }
            Container running = c.with(Container.State.RUNNING, Instant.now(), null, null, "", "", c.pid());
            records.save(running);
            events.started(running);
            Metrics.podStartPhase("start", c.handler(), started);
            LOG.info("started container", "container", id, "container_name", c.name());
        }
    }

    // ---- stop / remove --------------------------------------------------------------------

    /** Stops with the stop signal, then SIGKILL after {@code timeoutSeconds}; an exited container is left as is. */
    public void stop(String id, long timeoutSeconds) {
        synchronized (locks.of(id)) {
            Container c = exits.refresh(get(id));
            if (c.state() == Container.State.EXITED) {
                return;
            }
            ContainerRuntime runtime = runtimes.runtime(c.handler());
            if (c.state() == Container.State.CREATED) {
                runtime.cancelCreated(id, c.bundle());
                exits.await(c, KILL_WAIT);
                return;
            }
            int signal = Signals.stopSignal(c.config().getStopSignal(), ContainerBundles.stopSignalOfImage(c));
            if (timeoutSeconds > 0) {
                runtime.kill(id, signal, false);
                if (exits.await(c, Duration.ofSeconds(timeoutSeconds))) {
                    LOG.info("stopped container", "container", id, "signal", signal);
                    return;
                }
            }
            runtime.kill(id, Signals.SIGKILL, true);
            exits.await(c, KILL_WAIT);
            LOG.info("killed container", "container", id);
        }
    }

    /** Removes the container and everything it used; unknown ids are fine (the kubelet retries). */
    public void remove(String id) {
        Optional<ContainerRow> row = records.byId(id);
        if (row.isEmpty()) {
            return;
        }
        synchronized (locks.of(id)) {
            Container c = ContainerRecords.container(row.get());
            if (exits.refresh(c).state() != Container.State.EXITED) {
                stop(id, 0);
            }
            ContainerRuntime runtime = RemovalRuntimes.of(runtimes, c.handler(), row.get());
            if (runtime != null) {
                runtime.delete(id, true);
            } else {
                LOG.warn("removing a container whose runtime handler is no longer configured: its runtime object stays; delete it "
                        + "with that runtime (<runtime> delete --force <container>)", "container", id,
                        "container_name", c.name(), "pod", c.podId(), "handler", c.handler());
            }
            ContainerBundles.unmountRootfs(c.bundle());
            bundles.delete(id, c.bundle());
            conmon.forget(id); // its exit file and links in <state>
            records.delete(id);
            events.removed(c);
            locks.forget(id);
            LOG.info("removed container", "container", id, "container_name", c.name());
        }
    }

    @Override
    public void stopContainers(String podId) {
        for (Container c : list()) {
            if (c.podId().equals(podId)) {
                stop(c.id(), 0);
            }
        }
    }

    @Override
    public void removeContainers(String podId) {
        for (Container c : list()) {
            if (c.podId().equals(podId)) {
                remove(c.id());
            }
        }
    }

    // ---- queries ---------------------------------------------------------------------------

    /** The container with this id (or unique id prefix), its state brought up to date. */
    public Container get(String idOrPrefix) {
        Optional<ContainerRow> exact = records.byId(idOrPrefix);
        if (exact.isPresent()) {
            return exits.refresh(ContainerRecords.container(exact.get()));
        }
        List<ContainerRow> matches = records.all().stream().filter(r -> r.id().startsWith(idOrPrefix)).toList();
        if (idOrPrefix.length() >= 4 && matches.size() == 1) {
            return exits.refresh(ContainerRecords.container(matches.getFirst()));
        }
        if (matches.size() > 1 && idOrPrefix.length() >= 4) {
            throw HakoException.invalidArgument("container_id", "\"" + idOrPrefix + "\" matches " + matches.size() + " containers");
        }
        throw HakoException.notFound("container \"" + idOrPrefix + "\" does not exist");
    }

    /** The containers of one pod, newest first, exits read as {@link #list()} does. */
    public List<Container> inPod(String podId) {
        List<Container> out = new ArrayList<>();
        for (ContainerRow r : records.ofPod(podId)) {
            out.add(exits.refresh(ContainerRecords.container(r)));
        }
        return out;
    }

    public List<Container> list() {
        List<Container> out = new ArrayList<>();
        for (ContainerRow r : records.all()) {
            out.add(exits.refresh(ContainerRecords.container(r)));
        }
        return out;
    }

    /**
     * The runtime's own accounting of a container in a sandbox runtime (gVisor), whose host cgroup
     * stays empty; empty for other containers, which are sampled from their cgroups.
     */
    public Optional<OciRuntime.Stats> sandboxStats(Container c) {
        if (c.state() != Container.State.RUNNING) {
            return Optional.empty();
        }
        return runtimes.find(c.handler()).flatMap(r -> r.stats(c.id()));
    }

    /** The container's process as the runtime knows it (pid), for verbose status. */
    public Optional<OciRuntime.State> runtimeState(Container c) {
        return runtimes.runtime(c.handler()).state(c.id());
    }

    /** The container's config.json as written at create; empty when it cannot be read. */
    public byte[] spec(Container c) {
        return ContainerBundles.spec(c);
    }

    /** UpdateContainerResources: new CPU and memory limits, applied by the runtime to the live cgroup. */
    public void updateResources(String id, dev.hako.cri.v1.LinuxContainerResources resources) {
        synchronized (locks.of(id)) {
            Container c = get(id);
            if (c.state() != Container.State.RUNNING && c.state() != Container.State.CREATED) {
                throw HakoException.failedPrecondition("container " + id + " is not running; its resources cannot change");
            }
            Path file = c.bundle().resolve("resources-update.json");
            try {
                PrivateFiles.writeString(file, Json.write(SpecGenerator.limits(resources).toJson()));
                runtimes.runtime(c.handler()).update(id, file);
            } catch (IOException e) {
                throw HakoException.internal("writing " + file + ": " + e.getMessage(), e);
            }
            LOG.info("updated container resources", "container", id);
        }
    }

    // ---- exec / logs -----------------------------------------------------------------------

    public ExecOutcome execSync(String id, List<String> cmd, long timeoutSeconds) {
        Container c = get(id);
        if (c.state() != Container.State.RUNNING) {
            throw HakoException.failedPrecondition("container " + id + " is not running");
        }
        if (cmd.isEmpty()) {
            throw HakoException.invalidArgument("cmd", "no command given");
        }
        Map<String, Object> spec = ContainerBundles.specTree(c);
        Map<String, Object> process = ExecProcess.of(spec, cmd, false);
        Duration timeout = timeoutSeconds > 0 ? Duration.ofSeconds(timeoutSeconds) : Duration.ZERO;
        Conmon.ExecResult result = runtimes.runtime(c.handler()).execSync(id, c.bundle(), process, timeout);
        if (result.timedOut()) {
            // the kubelet reads DEADLINE_EXCEEDED as a probe timeout; the command and its children are gone
            throw new HakoException(HakoException.Kind.DEADLINE_EXCEEDED, "command " + cmd + " in container " + id
                    + " timed out after " + timeoutSeconds + " s and was killed");
        }
        return new ExecOutcome(result.exitCode(), result.stdout(), result.stderr());
    }

    public void reopenLog(String id) {
        Container c = get(id);
        if (c.state() != Container.State.RUNNING) {
            throw HakoException.failedPrecondition("container " + id + " is not running; its log cannot be reopened");
        }
        conmon.reopenLog(c.bundle(), c.logPath());
    }

    // ---- recovery --------------------------------------------------------------------------

    /** At start-up: reconcile every record with exit files and the runtime; watch for exits from now on. */
    public void recover() {
        recovery.recover();
    }

    /** The runtime of a handler containers were created with; FAILED_PRECONDITION when it is gone. */
    public ContainerRuntime runtime(String handler) {
        return runtimes.runtime(handler);
    }
}
