package dev.hako.container;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.hako.FaultPoints;
import dev.hako.config.HakoConfig;
import dev.hako.config.HandlerConfig;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.error.HakoException;
import dev.hako.image.spec.Digest;
import dev.hako.image.Image;
import dev.hako.image.spec.ImageConfig;
import dev.hako.image.ImageService;
import dev.hako.json.Json;
import dev.hako.log.Log;
import dev.hako.monitor.Conmon;
import dev.hako.monitor.ContainerRuntime;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.oci.ExecProcess;
import dev.hako.oci.OciRuntime;
import dev.hako.oci.RuntimeSpec;
import dev.hako.spec.HostFacts;
import dev.hako.spec.SpecGenerator;
import dev.hako.spec.SpecInput;
import dev.hako.pod.Pod;
import dev.hako.pod.PodContainers;
import dev.hako.pod.PodService;
import dev.hako.store.ContainerRow;
import dev.hako.store.ContainerTable;
import dev.hako.store.Ids;
import dev.hako.store.MetadataStore;
import dev.hako.sys.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Containers: create (rootfs overlay, OCI bundle, conmon), start, stop, remove, status, exec, logs,
 * and recovery after a daemon restart. conmon outlives the daemon, so containers keep running
 * while Hako is stopped; exit files tell what happened meanwhile.
 */
public final class ContainerService implements PodContainers {
    private static final Log LOG = Log.of("container");
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The reason of a container whose record could not be reconciled at start-up. */
    public static final String RECOVERY_FAILED = "RecoveryFailed";

    private final HakoConfig config;
    private final dev.hako.oci.RuntimeHandlers handlers;
    private final ContainerRuntimes runtimes;
    private final ContainerTable table;
    private final PodService pods;
    private final ImageService images;
    private final Conmon conmon;
    private final Path bundles;
    private final Path layers;
    private final SpecGenerator specs;
    private volatile ContainerObserver observer = ContainerObserver.NONE;
    /** One lifecycle change at a time per container; different containers proceed in parallel. */
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    private final NameReservations creating = new NameReservations();

    /**
     * With {@code handlers}, containers asking for a feature their runtime lacks are refused up front;
     * {@code runtimes} run the containers, under the daemon's one conmon.
     */
    public ContainerService(HakoConfig config, MetadataStore store, PodService pods, ImageService images,
                            dev.hako.oci.RuntimeHandlers handlers, ContainerRuntimes runtimes, HostFacts host) {
        this.handlers = handlers;
        this.runtimes = runtimes;
        this.config = config;
        this.table = new ContainerTable(store);
        this.pods = pods;
        this.images = images;
        this.conmon = runtimes.conmon();
        this.bundles = config.state().resolve("containers");
        this.layers = config.root().resolve("containers");
        this.specs = new SpecGenerator(host);
        try {
            // bundles hold config.json (the environment) and the rootfs mount; layers the writable layers,
            // where a container's root may leave a setuid binary: no host user may reach into either
            PrivateFiles.directory(bundles);
            PrivateFiles.directory(layers);
        } catch (IOException e) {
            throw HakoException.internal("cannot create " + bundles + " and " + layers + ": " + e.getMessage(), e);
        }
    }

    /** Who hears of containers created, started and removed (the stats sampler). */
    public void observe(ContainerObserver o) {
        this.observer = o == null ? ContainerObserver.NONE : o;
    }

    private void tell(java.util.function.Consumer<ContainerObserver> event) {
        try {
            event.accept(observer);
        } catch (RuntimeException e) {
            LOG.warn("container observer failed", "error", e.toString());
        }
    }

    // ---- create / start -------------------------------------------------------------------

    public String create(String podId, ContainerConfig cfg) {
        // held from before the name is checked until the row is written: concurrent creates of one name race no more
        try (NameReservations.Reservation name = creating.reserve(pods.get(podId).id(), cfg.getMetadata().getName(),
                cfg.getMetadata().getAttempt(), newId())) {
            return create(podId, cfg, name);
        }
    }

    private String create(String podId, ContainerConfig cfg, NameReservations.Reservation reservation) {
        Pod pod = pods.get(podId);
        if (pod.state() != Pod.State.READY) {
            throw HakoException.failedPrecondition("pod sandbox " + pod.id() + " is not ready; cannot create containers in it");
        }
        String name = cfg.getMetadata().getName();
        if (name.isEmpty()) {
            throw HakoException.invalidArgument("config.metadata.name", "a container needs a name");
        }
        String imageText = cfg.getImage().getImage();
        if (imageText.isEmpty()) {
            throw HakoException.invalidArgument("config.image.image", "no image given");
        }
        Image image = images.find(imageText).orElseThrow(() ->
                HakoException.notFound("image \"" + imageText + "\" is not present; pull it first"));
        for (ContainerRow r : table.all()) {
            if (r.podId().equals(pod.id()) && r.name().equals(name) && r.attempt() == cfg.getMetadata().getAttempt()) {
                throw HakoException.alreadyExists("container " + name + " (attempt " + cfg.getMetadata().getAttempt()
                        + ") already exists in pod " + pod.id() + " as " + r.id());
            }
        }
        ContainerRuntime runtime = runtimes.runtime(
                pod.runtimeHandler().isEmpty() ? config.runtime().defaultHandler() : pod.runtimeHandler());
        HandlerConfig handler = runtime.handler();
        for (int i = 0; i < cfg.getMountsCount(); i++) {
            if (cfg.getMounts(i).getRecursiveReadOnly() && handlers != null
                    && !handlers.features(handler.name()).recursiveReadOnlyMounts()) {
                throw HakoException.invalidArgument("config.mounts[" + i + "].recursive_read_only", "runtime handler \""
                        + handler.name() + "\" (" + handler.path() + ") does not support recursive read-only mounts"
                        + " (no rro in its features)");
            }
        }
        String id = reservation.id();
        Path bundle = bundles.resolve(id);
        Path rootfs = bundle.resolve("rootfs");
        Path logPath = logPath(pod, cfg, bundle);
        String imageRef = image.repoDigests().isEmpty() ? image.id() : image.repoDigests().getFirst();
        boolean intended = false;
        boolean mounted = false;
        // the lease keeps RemoveImage off the layers until the record names them
        try (ImageService.Lease lease = images.lease(image)) {
            FaultPoints.reach("container-lease-taken");
            // the intent first: whatever a crash leaves from here on, recovery finds and undoes
            Container intent = new Container(id, pod.id(), cfg, imageText, image.id(), imageRef, Container.State.CREATED,
                    Instant.now(), null, null, null, "", "", 0, bundle, logPath, handler.name());
            if (!table.insertCreating(creating(toRow(intent, image, handler)))) {
                throw HakoException.alreadyExists("container " + name + " (attempt " + cfg.getMetadata().getAttempt()
                        + ") is already being created in pod " + pod.id());
            }
            intended = true;
            PrivateFiles.createDirectory(bundle);
            // upper and work go inside: the rootfs's own mode comes from upper, this one only shuts out host users
            PrivateFiles.createDirectory(layers.resolve(id));
            Rootfs.mount(images.layerDirs(image), layers.resolve(id).resolve("upper"), layers.resolve(id).resolve("work"),
                    rootfs);
            mounted = true;
            FaultPoints.reach("container-rootfs-mounted");
            ImageConfig imageConfig = images.config(image);
            RuntimeSpec spec = specs.generate(new SpecInput(id, withPodAnnotations(cfg, pod, handler),
                    pod.context(), imageConfig,
                    imageText, rootfs, config.runtime().cgroupDriver()));
            PrivateFiles.writeString(bundle.resolve("config.json"), Json.write(spec.toJson()));
            if (logPath.getParent() != null) {
                Files.createDirectories(logPath.getParent());
            }
            int pid = runtime.create(new ContainerRuntime.AppContainer(id, name, bundle, logPath, cfg.getTty(), cfg.getStdin(),
                    cfg.getStdinOnce()));
            FaultPoints.reach("container-created");
            Container c = new Container(id, pod.id(), cfg, imageText, image.id(), imageRef, Container.State.CREATED,
                    intent.createdAt(), null, null, null, "", "", pid, bundle, logPath, handler.name());
            table.update(toRow(c, image, handler)); // the intent becomes the record: listed from now on
            tell(o -> o.changed(c));
            LOG.info("created container", "id", id, "name", name, "pod", pod.id(), "image", imageText, "pid", pid);
            return id;
        } catch (IOException | RuntimeException e) {
            // nothing half-made stays behind: the runtime's container, the mount, the directories, the intent
            runtime.delete(id, true);
            if (mounted) {
                Rootfs.unmount(rootfs);
            }
            deleteTree(bundle);
            deleteTree(layers.resolve(id));
            conmon.forget(id);
            if (intended) {
                try {
                    table.delete(id);
                } catch (RuntimeException x) {
                    LOG.error("cannot drop the intent of a failed create; undone at the next start", "id", id,
                            "error", x.getMessage());
                }
            }
            if (e instanceof HakoException h) {
                throw h;
            }
            throw HakoException.internal("creating container " + name + ": " + e.getMessage(), e);
        }
    }

    public void start(String id) {
        synchronized (lock(id)) {
            Container c = get(id);
            if (c.state() != Container.State.CREATED) {
                throw HakoException.failedPrecondition("container " + id + " is " + c.state().name().toLowerCase()
                        + ", only a created container can be started");
            }
            try {
                runtimes.runtime(c.handler()).start(id, c.pid(), c.bundle(), START_TIMEOUT);
            } catch (HakoException e) {
                // keep the failed container visible with the runtime's reason, as the kubelet expects
                save(c.with(Container.State.EXITED, null, Instant.now(), 128, "StartError", e.getMessage(), c.pid()));
                throw e;
            }
            Container running = c.with(Container.State.RUNNING, Instant.now(), null, null, "", "", c.pid());
            save(running);
            tell(o -> o.changed(running));
            LOG.info("started container", "id", id, "name", c.name());
        }
    }

    // ---- stop / remove --------------------------------------------------------------------

    /** Stops with the stop signal, then SIGKILL after {@code timeoutSeconds}; an exited container is left as is. */
    public void stop(String id, long timeoutSeconds) {
        synchronized (lock(id)) {
            Container c = refresh(get(id));
            if (c.state() == Container.State.EXITED) {
                return;
            }
            ContainerRuntime runtime = runtimes.runtime(c.handler());
            if (c.state() == Container.State.CREATED) {
                runtime.cancelCreated(id, c.bundle());
                awaitExit(c, KILL_WAIT);
                return;
            }
            int signal = Signals.stopSignal(c.config().getStopSignal(), stopSignalOfImage(c));
            if (timeoutSeconds > 0) {
                runtime.kill(id, signal, false);
                if (awaitExit(c, Duration.ofSeconds(timeoutSeconds))) {
                    LOG.info("stopped container", "id", id, "signal", signal);
                    return;
                }
            }
            runtime.kill(id, Signals.SIGKILL, true);
            awaitExit(c, KILL_WAIT);
            LOG.info("killed container", "id", id);
        }
    }

    /** Removes the container and everything it used; unknown ids are fine (the kubelet retries). */
    public void remove(String id) {
        Optional<ContainerRow> row = table.byId(id);
        if (row.isEmpty()) {
            return;
        }
        synchronized (lock(id)) {
            Container c = toContainer(row.get());
            if (refresh(c).state() != Container.State.EXITED) {
                stop(id, 0);
            }
            ContainerRuntime runtime = removalRuntime(c.handler(), row.get());
            if (runtime != null) {
                runtime.delete(id, true);
            } else {
                LOG.warn("removing a container whose runtime is unknown: its runtime object stays", "id", id,
                        "handler", c.handler());
            }
            Rootfs.unmount(c.bundle().resolve("rootfs"));
            deleteTree(c.bundle());
            deleteTree(layers.resolve(id));
            conmon.forget(id); // its exit file and links in <state>
            table.delete(id);
            tell(o -> o.removed(c));
            locks.remove(id);
            LOG.info("removed container", "id", id, "name", c.name());
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
        Optional<ContainerRow> exact = table.byId(idOrPrefix);
        if (exact.isPresent()) {
            return refresh(toContainer(exact.get()));
        }
        List<ContainerRow> matches = table.all().stream().filter(r -> r.id().startsWith(idOrPrefix)).toList();
        if (idOrPrefix.length() >= 4 && matches.size() == 1) {
            return refresh(toContainer(matches.getFirst()));
        }
        if (matches.size() > 1 && idOrPrefix.length() >= 4) {
            throw HakoException.invalidArgument("container_id", "\"" + idOrPrefix + "\" matches " + matches.size() + " containers");
        }
        throw HakoException.notFound("container \"" + idOrPrefix + "\" does not exist");
    }

    public List<Container> list() {
        List<Container> out = new ArrayList<>();
        for (ContainerRow r : table.all()) {
            out.add(refresh(toContainer(r)));
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

    public byte[] spec(Container c) {
        try {
            return Files.readAllBytes(c.bundle().resolve("config.json"));
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** UpdateContainerResources: new CPU and memory limits, applied by the runtime to the live cgroup. */
    public void updateResources(String id, dev.hako.cri.v1.LinuxContainerResources resources) {
        synchronized (lock(id)) {
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
            LOG.info("updated container resources", "id", id);
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
        Map<String, Object> spec = specTree(c);
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
        int running = 0;
        int exited = 0;
        int broken = 0;
        undoUnfinishedCreates();
        for (ContainerRow r : table.all()) {
            // one record that cannot be reconciled must not keep the daemon from serving the others
            try {
                if (recoverOne(r)) {
                    running++;
                } else {
                    exited++;
                }
            } catch (RuntimeException e) {
                broken++;
                markRecoveryFailed(r, e);
            }
        }
        removeOrphans();
        conmon.watchExits(id -> {
            try {
                table.byId(id).ifPresent(r -> refresh(toContainer(r)));
            } catch (RuntimeException e) {
                LOG.warn("cannot record container exit", "id", id, "error", e.getMessage());
            }
        });
        if (running + exited + broken > 0) {
            LOG.info("recovered containers", "running", running, "not_running", exited, "broken", broken);
        }
    }

    /**
     * Creates a crash cut short (intent rows): each is undone whole — its monitor killed, the runtime's
     * container force-deleted, the rootfs unmounted, its directories and the intent removed. A step that
     * fails keeps the intent, so the next start tries again.
     */
    private void undoUnfinishedCreates() {
        for (ContainerRow r : table.creating()) {
            try {
                Map<String, Object> d = Json.parseObject(r.details());
                Path bundle = Path.of((String) d.get("bundle"));
                String handler = (String) d.get("handler");
                int monitors = dev.hako.monitor.MonitorProcesses.kill(bundle);
                ContainerRuntime runtime = removalRuntime(handler, r);
                if (runtime != null) {
                    runtime.delete(r.id(), true);
                }
                Rootfs.unmount(bundle.resolve("rootfs"));
                conmon.forget(r.id());
                deleteTree(bundle);
                deleteTree(layers.resolve(r.id()));
                if (runtime == null) {
                    LOG.warn("the runtime of an unfinished container create is unknown; its intent stays", "id", r.id(),
                            "handler", handler);
                    continue;
                }
                table.delete(r.id());
                LOG.info("undid a container create cut short by a crash", "id", r.id(), "name", r.name(),
                        "pod", r.podId(), "monitors_killed", monitors);
            } catch (RuntimeException e) {
                LOG.error("cannot undo an unfinished container create; retried at the next start", "id", r.id(),
                        "error", e.getMessage());
            }
        }
    }

    /** Reconciles one record; returns whether the container is still there (created or running). */
    private boolean recoverOne(ContainerRow r) {
        Container c = refresh(toContainer(r));
        if (c.state() != Container.State.RUNNING && c.state() != Container.State.CREATED) {
            return false;
        }
        Optional<OciRuntime.State> s = runtimes.runtime(c.handler()).state(c.id());
        if (s.isPresent() && !s.get().status().equals("stopped")) {
            return true;
        }
        // the runtime forgot it (a reboot) or it stopped without an exit file: record what we know
        c = refresh(c);
        if (c.state() != Container.State.EXITED) {
            save(c.exited(255, Instant.now(), "Unknown", "the container was gone when Hako restarted"));
        }
        return false;
    }

    /**
     * A record recovery could not reconcile (its handler is no longer configured, the runtime's state
     * is unreadable): reported EXITED with reason {@code RecoveryFailed} and the cause, so the kubelet
     * sees it, replaces it and can remove it.
     */
    private void markRecoveryFailed(ContainerRow r, RuntimeException cause) {
        String why = "Hako could not recover this container at start-up: " + cause.getMessage();
        LOG.warn("cannot recover container; reporting it exited", "id", r.id(), "name", r.name(),
                "error", cause.getMessage());
        if (r.state().equals(Container.State.EXITED.name())) {
            return;
        }
        try {
            table.update(new ContainerRow(r.id(), r.podId(), r.name(), r.attempt(), r.config(), r.imageId(),
                    Container.State.EXITED.name(), r.createdAt(), r.startedAt(), Instant.now(), 255, RECOVERY_FAILED,
                    why, r.pid(), r.details()));
        } catch (RuntimeException e) {
            LOG.error("cannot record the failed recovery of a container", "id", r.id(), "error", e.getMessage());
        }
    }

    /** Bundles, mounts and writable layers whose container record is gone (a crash in the middle of a removal). */
    private void removeOrphans() {
        java.util.Set<String> known = new java.util.HashSet<>();
        table.all().forEach(r -> known.add(r.id()));
        for (Path dir : List.of(bundles, layers)) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (var entries = Files.list(dir)) {
                for (Path p : entries.toList()) {
                    if (!known.contains(p.getFileName().toString())) {
                        Rootfs.unmount(p.resolve("rootfs"));
                        deleteTree(p);
                        LOG.info("removed leftovers of a removed container", "path", p);
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot clean leftovers", "dir", dir, "error", e.getMessage());
            }
        }
    }

    // ---- internals -------------------------------------------------------------------------

    /** Applies the exit file, if the container has exited since its record was written. */
    private Container refresh(Container c) {
        if (c.state() != Container.State.RUNNING && c.state() != Container.State.CREATED) {
            return c;
        }
        Optional<Conmon.Exit> exit = conmon.exit(c.id());
        if (exit.isEmpty()) {
            return c;
        }
        Conmon.Exit e = exit.get();
        String reason = e.oomKilled() ? "OOMKilled" : e.code() == 0 ? "Completed" : "Error";
        Container done = c.exited(e.code(), e.at(), reason, "");
        synchronized (lock(c.id())) {
            Optional<ContainerRow> current = table.byId(c.id());
            if (current.isPresent() && !current.get().state().equals(Container.State.EXITED.name())) {
                save(done);
            }
        }
        return done;
    }

    private boolean awaitExit(Container c, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (refresh(c).state() == Container.State.EXITED) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private String stopSignalOfImage(Container c) {
        try {
            Object cfg = Json.parseObject(new String(spec(c), StandardCharsets.UTF_8)).get("annotations");
            if (cfg instanceof Map<?, ?> m && m.get("org.opencontainers.image.stopSignal") instanceof String s) {
                return s;
            }
        } catch (RuntimeException e) {
            // no spec: default signal
        }
        return "";
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> specTree(Container c) {
        return (Map<String, Object>) Json.parse(new String(spec(c), StandardCharsets.UTF_8));
    }

    /** The CRI log, confined to the pod's log directory under {@code runtime.pod_log_root}; else one in the bundle. */
    private Path logPath(Pod pod, ContainerConfig cfg, Path bundle) {
        Path p = dev.hako.pod.LogPaths.containerLog(pod.config().getLogDirectory(), cfg.getLogPath(),
                config.runtime().podLogRoot());
        return p != null ? p : bundle.resolve("container.log");
    }

    /** The container's config with the pod annotations its handler lets into OCI specs ({@code allowed_annotations}). */
    private static ContainerConfig withPodAnnotations(ContainerConfig cfg, Pod pod, HandlerConfig handler) {
        Map<String, String> passed = new LinkedHashMap<>();
        pod.config().getAnnotationsMap().forEach((k, v) -> {
            if (handler.allowsAnnotation(k) && !cfg.containsAnnotations(k)) {
                passed.put(k, v);
            }
        });
        return passed.isEmpty() ? cfg : cfg.toBuilder().putAllAnnotations(passed).build();
    }

    /** The runtime of a handler containers were created with; FAILED_PRECONDITION when it is gone. */
    public ContainerRuntime runtime(String handler) {
        return runtimes.runtime(handler);
    }

    /**
     * The runtime to delete a container with: its handler, or, when that is no longer configured, the
     * runtime binary and root recorded when it was created; null when neither is known.
     */
    private ContainerRuntime removalRuntime(String handler, ContainerRow row) {
        Optional<ContainerRuntime> configured = runtimes.find(handler);
        if (configured.isPresent()) {
            return configured.get();
        }
        HandlerConfig h = null;
        if (Json.parseObject(row.details()).get("runtime") instanceof Map<?, ?> m
                && m.get("path") instanceof String path && m.get("root") instanceof String root
                && Files.isExecutable(Path.of(path))) {
            List<String> args = m.get("args") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
            h = new HandlerConfig(handler, Path.of(path), Path.of(root), args);
        }
        return h == null ? null : runtimes.recorded(h);
    }

    private Object lock(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    private void save(Container c) {
        table.update(toRowUpdate(c));
    }

    private ContainerRow toRow(Container c, Image image, HandlerConfig handler) {
        Map<String, Object> details = details(c);
        details.put("chainIDs", image.layers().stream().map(l -> l.chainId().toString()).toList());
        // lets removal reach the runtime object even after the handler left the configuration
        details.put("runtime", Map.of("path", handler.path().toString(), "root", handler.root().toString(),
                "args", handler.args()));
        return new ContainerRow(c.id(), c.podId(), c.name(), c.config().getMetadata().getAttempt(),
                c.config().toByteArray(), c.imageId(), c.state().name(), c.createdAt(), c.startedAt(), c.finishedAt(),
                c.exitCode(), c.reason(), c.message(), c.pid(), Json.write(details));
    }

    /** {@code r} as the intent row of a create. */
    private static ContainerRow creating(ContainerRow r) {
        return new ContainerRow(r.id(), r.podId(), r.name(), r.attempt(), r.config(), r.imageId(), ContainerTable.CREATING,
                r.createdAt(), null, null, null, "", "", 0, r.details());
    }

    private ContainerRow toRowUpdate(Container c) {
        ContainerRow old = table.byId(c.id()).orElseThrow(() -> HakoException.notFound("container " + c.id() + " is gone"));
        return new ContainerRow(c.id(), c.podId(), c.name(), old.attempt(), old.config(), c.imageId(), c.state().name(),
                c.createdAt(), c.startedAt(), c.finishedAt(), c.exitCode(), c.reason(), c.message(), c.pid(), old.details());
    }

    private static Map<String, Object> details(Container c) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("bundle", c.bundle().toString());
        d.put("logPath", c.logPath().toString());
        d.put("imageName", c.imageName());
        d.put("imageRef", c.imageRef());
        d.put("handler", c.handler());
        return d;
    }

    private Container toContainer(ContainerRow r) {
        ContainerConfig cfg;
        try {
            cfg = ContainerConfig.parseFrom(r.config());
        } catch (InvalidProtocolBufferException e) {
            throw HakoException.internal("stored config of container " + r.id() + " is unreadable", e);
        }
        Map<String, Object> d = Json.parseObject(r.details());
        return new Container(r.id(), r.podId(), cfg, (String) d.get("imageName"), r.imageId(), (String) d.get("imageRef"),
                Container.State.valueOf(r.state()), r.createdAt(), r.startedAt(), r.finishedAt(), r.exitCode(), r.reason(),
                r.message(), r.pid(), Path.of((String) d.get("bundle")), Path.of((String) d.get("logPath")),
                (String) d.get("handler"));
    }

    private String newId() {
        return Ids.fresh(id -> table.byId(id).isPresent());
    }

    static void deleteTree(Path p) {
        try {
            dev.hako.sys.FileTrees.delete(p);
        } catch (IOException e) {
            LOG.warn("cannot delete", "path", p, "error", e.getMessage());
        }
    }
}
