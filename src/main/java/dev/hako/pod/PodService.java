package dev.hako.pod;

import dev.hako.FaultPoints;
import dev.hako.config.HakoConfig;
import dev.hako.config.HandlerConfig;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PortMapping;
import dev.hako.error.HakoException;
import dev.hako.log.Log;
import dev.hako.network.Cni;
import dev.hako.spec.HostFacts;
import dev.hako.spec.PodContext;
import dev.hako.monitor.ContainerRuntime;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.oci.RuntimeHandlers;
import dev.hako.store.Ids;
import dev.hako.store.MetadataStore;
import dev.hako.store.PodTable;
import dev.hako.sys.Errno;
import dev.hako.sys.ErrnoException;
import dev.hako.sys.FileTrees;
import dev.hako.sys.MountCalls;
import dev.hako.sys.MountTable;
import dev.hako.sys.NamespacePins;
import dev.hako.sys.NamespacePins.Kind;
import dev.hako.sys.PrivateFiles;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Pod sandboxes without a pause process (CRI-O's {@code drop_infra_ctr}): a pod is its namespaces,
 * pinned by bind mounts, plus a few files and a /dev/shm, all under {@code <state>/pods/<id>}:
 *
 * <pre>
 * ns/            a private bind mount of itself, so the pins below never propagate elsewhere
 *   net ipc uts  the pins (nsfs bind mounts), for the namespaces the pod has of its own
 * shm/           tmpfs (64m, mode 1777, nosuid,nodev,noexec), unless IPC is the host's
 * hostname hosts resolv.conf
 * </pre>
 *
 * A create first records its intent (a row in state CREATING, which no query but recovery's sees) and
 * completes that row last, once everything exists, so a pod is listed only when it is whole; a crash
 * half-way leaves an intent, which {@link #recover} undoes: infra container, network, mounts, directory.
 * Calls on one pod are serialised; calls on different pods run in parallel.
 */
public final class PodService {
    private static final Log LOG = Log.of("pod");
    private static final int LOCK_STRIPES = 64;
    private static final String SHM_OPTIONS = "mode=1777,size=65536k";
    private static final long SHM_FLAGS = MountCalls.MS_NOSUID | MountCalls.MS_NODEV | MountCalls.MS_NOEXEC;

    private final PodTable table;
    private final RuntimeHandlers handlers;
    private final ContainerRuntimes runtimes;
    private final Path podsRoot;
    private final Path podLogRoot;
    private final ReentrantLock[] locks = new ReentrantLock[LOCK_STRIPES];
    /** Pods being created, by kubelet identity ({@link SandboxPlan#key}) → ID; guarded by {@link #reserving}. */
    private final Map<String, String> creating = new HashMap<>();
    private final ReentrantLock reserving = new ReentrantLock();
    private final Cni cni;
    private final InfraContainer infra;
    /** Called with the name of each creation step as it begins; tests make steps fail with it. */
    private volatile Consumer<String> stepListener = step -> {};

    public PodService(HakoConfig config, MetadataStore store, RuntimeHandlers handlers, ContainerRuntimes runtimes) {
        this(config, store, handlers, runtimes, null, HostFacts.probe());
    }

    /** With {@code cni} non-null, pods with a network namespace of their own are attached through CNI. */
    public PodService(HakoConfig config, MetadataStore store, RuntimeHandlers handlers, ContainerRuntimes runtimes,
                      Cni cni, HostFacts host) {
        this.cni = cni;
        this.infra = new InfraContainer(config.runtime().infraCommand(), config.state(), runtimes.conmon(),
                config.runtime().cgroupDriver(), host.minOomScoreAdj());
        this.table = new PodTable(store);
        this.handlers = handlers;
        this.runtimes = runtimes;
        this.podLogRoot = config.runtime().podLogRoot();
        Path root = config.state().resolve("pods");
        try {
            PrivateFiles.directory(root);
            // mountinfo shows real paths: compare against those
            this.podsRoot = root.toRealPath();
        } catch (IOException e) {
            throw HakoException.internal("cannot create the pod directory " + root + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    /** The directory holding every pod's directory ({@code <state>/pods}, symlinks resolved). */
    public Path podsRoot() {
        return podsRoot;
    }

    // ------------------------------------------------------------------------------------------------ RunPodSandbox

    /**
     * Creates a pod sandbox and returns it READY. {@code runtimeHandler} "" is the default handler.
     *
     * @throws HakoException INVALID_ARGUMENT for a bad config or an unknown handler (naming the field or handler),
     *                       ALREADY_EXISTS naming the existing pod's ID, INTERNAL when the node refuses; in every
     *                       case nothing is left behind
     */
    public Pod run(PodSandboxConfig config, String runtimeHandler) {
        SandboxPlan plan = SandboxPlan.of(config);
        LogPaths.checkDirectory(config.getLogDirectory(), podLogRoot, "config.log_directory");
        dev.hako.spec.SpecGenerator.checkSysctls(config.getLinux().getSysctlsMap(), !plan.hostNetwork(), !plan.hostIpc(),
                "config.linux.sysctls");
        String handler = resolveHandler(runtimeHandler);
        String key = plan.key();
        String id;
        reserving.lock();
        try {
            String inFlight = creating.get(key);
            if (inFlight != null) {
                throw alreadyExists(plan, inFlight, " (still being created)");
            }
            Optional<PodTable.Row> existing = table.byMetadata(plan.name(), plan.namespace(), plan.uid(), plan.attempt());
            if (existing.isPresent()) {
                throw alreadyExists(plan, existing.get().id(), "");
            }
            id = newId();
            creating.put(key, id);
        } finally {
            reserving.unlock();
        }
        try {
            long start = System.nanoTime();
            Pod pod = create(id, config, plan, handler);
            LOG.info("pod sandbox ready", "id", id, "pod", plan.describe(), "uid", plan.uid(),
                    "attempt", Integer.toUnsignedString(plan.attempt()), "handler", handler,
                    "netns", pod.context().netns() == null ? "host" : "pod",
                    "ipcns", pod.context().ipcns() == null ? "host" : "pod",
                    "pidns", plan.hostPid() ? "host" : plan.sharedPid() ? "pod" : "container",
                    "infra", pod.hasInfra(),
                    "ms", (System.nanoTime() - start) / 1_000_000);
            return pod;
        } finally {
            reserving.lock();
            try {
                creating.remove(key);
            } finally {
                reserving.unlock();
            }
        }
    }

    private Pod create(String id, PodSandboxConfig config, SandboxPlan plan, String handler) {
        Path dir = podsRoot.resolve(id);
        // the intent first: whatever a crash leaves from here on, recovery finds it and undoes it
        PodTable.Row intent = new PodTable.Row(id, plan.name(), plan.namespace(), plan.uid(), plan.attempt(),
                config.toByteArray(), handler, PodTable.CREATING, Instant.now(), new PodDetails(dir, plan.hostname(),
                        null, null, null, null, null, plan.hostPid(), false, List.of(), 0).toJson());
        if (!table.insert(intent)) {
            // only another Hako on the same database can get here: this one reserves names in memory
            throw alreadyExists(plan, table.byMetadata(plan.name(), plan.namespace(), plan.uid(), plan.attempt())
                    .map(PodTable.Row::id).orElse("(being created)"), "");
        }
        try {
            // 0700: behind it are the 1777 /dev/shm tmpfs and the namespace pins, which host users must not reach
            PrivateFiles.createDirectory(dir);
        } catch (IOException e) {
            dropIntent(id);
            // not ours to clean up: the ID is fresh, so whatever is there was not made by this call
            throw HakoException.internal("cannot create pod sandbox " + plan.describe() + ": cannot create " + dir
                    + ": " + e.getMessage(), e);
        }
        boolean cniAdding = false;
        boolean infraStarting = false;
        try {
            step("files");
            PodFiles.write(dir, plan, config.getDnsConfig());
            List<String> ips = List.of();

            Map<Kind, Path> pins = new EnumMap<>(Kind.class);
            Path nsDir = null;
            if (!plan.hostNetwork() || !plan.hostIpc()) {
                nsDir = dir.resolve("ns");
                if (!plan.hostNetwork()) {
                    pins.put(Kind.NET, nsDir.resolve(Kind.NET.fileName()));
                    pins.put(Kind.UTS, nsDir.resolve(Kind.UTS.fileName()));
                }
                if (!plan.hostIpc()) {
                    pins.put(Kind.IPC, nsDir.resolve(Kind.IPC.fileName()));
                }
                step("nsdir");
                PrivateFiles.createDirectory(nsDir);
                MountCalls.bindSelfPrivate(nsDir);
                for (Path pin : pins.values()) {
                    Files.createFile(pin);
                }
                step("namespaces");
                NamespacePins.create(pins, plan.hostname());
                FaultPoints.reach("pod-netns-pinned");
                if (pins.containsKey(Kind.NET)) {
                    step("loopback"); // already up: NamespacePins.create brings lo up with the namespace
                    if (runtimes.runtime(handler).needsUnprivilegedPorts()) {
                        NamespacePins.allowUnprivilegedPorts(pins.get(Kind.NET));
                    }
                    // without any CNI configuration (NetworkReady false) the pod gets loopback only
                    if (cni != null && cni.hasConfiguration()) {
                        step("cni");
                        cniAdding = true;
                        long t0 = System.nanoTime();
                        ips = cni.add(attachment(id, config, pins.get(Kind.NET))).ips();
                        FaultPoints.reach("pod-cni-added");
                        LOG.debug("pod network attached", "id", id, "ips", ips,
                                "cni_ms", (System.nanoTime() - t0) / 1_000_000);
                        if (!ips.isEmpty()) {
                            PodFiles.writeHosts(dir, plan.hostname(), ips.getFirst());
                        }
                    }
                }
            }
            Path shm = null;
            if (!plan.hostIpc()) {
                step("shm");
                shm = Files.createDirectory(dir.resolve("shm"));
                MountCalls.mount("shm", shm, "tmpfs", SHM_FLAGS, SHM_OPTIONS);
            }

            ContainerRuntime runtime = runtimes.runtime(handler);
            boolean sharedPid = plan.sharedPid() && runtime.sharesPodPidNamespace();
            PodDetails details = new PodDetails(dir, plan.hostname(), nsDir, pins.get(Kind.NET), pins.get(Kind.IPC),
                    pins.get(Kind.UTS), shm, plan.hostPid(), sharedPid, ips, 0);
            if (runtime.needsInfra(sharedPid)) {
                step("infra");
                infraStarting = true;
                int pid = infra.start(context(id, config, details), config.getAnnotationsMap(), runtime, dir);
                FaultPoints.reach("pod-infra-started");
                details = new PodDetails(dir, plan.hostname(), nsDir, pins.get(Kind.NET), pins.get(Kind.IPC),
                        pins.get(Kind.UTS), shm, plan.hostPid(), sharedPid, ips, pid);
            }
            PodTable.Row row = new PodTable.Row(id, plan.name(), plan.namespace(), plan.uid(), plan.attempt(),
                    config.toByteArray(), handler, Pod.State.READY.name(), Instant.now(), details.toJson());
            step("record");
            if (!table.complete(row)) {
                throw new HakoException(HakoException.Kind.INTERNAL, "the intent row of pod sandbox " + id
                        + " vanished while creating it");
            }
            return toPod(row);
        } catch (IOException | RuntimeException | Error e) {
            if (infraStarting) {
                try {
                    infra.remove(id, dir, runtimes.runtime(handler));
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                    LOG.error("removing the infra container of a failed pod sandbox failed", "id", id,
                            "error", cleanup.getMessage());
                }
            }
            if (cniAdding) {
                try {
                    cni.del(attachment(id, config, dir.resolve("ns").resolve(Kind.NET.fileName())));
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                    LOG.error("CNI DEL after a failed pod sandbox creation failed", "id", id,
                            "error", cleanup.getMessage());
                }
            }
            try {
                releaseMounts(dir);
                deleteTree(dir);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
                LOG.error("cleaning up a failed pod sandbox left things behind", "id", id, "dir", dir,
                        "error", cleanup.getMessage());
            }
            dropIntent(id);
            LOG.warn("pod sandbox creation failed", "id", id, "pod", plan.describe(), "error", e.getMessage());
            if (e instanceof HakoException h) {
                throw h;
            }
            throw HakoException.internal("cannot create pod sandbox " + plan.describe() + ": " + e.getMessage(), e);
        }
    }

    /** Removes the intent row of a create that failed and was undone; a failure leaves it to recovery. */
    private void dropIntent(String id) {
        try {
            table.delete(id);
        } catch (RuntimeException e) {
            LOG.error("cannot drop the intent of a failed pod sandbox creation; undone at the next start", "id", id,
                    "error", e.getMessage());
        }
    }

    private void step(String name) throws IOException {
        stepListener.accept(name);
    }

    /** For tests: {@code listener} runs at the start of every creation step and may throw to make it fail. */
    void onStep(Consumer<String> listener) {
        this.stepListener = listener;
    }

    /**
     * The handler a pod runs with: the default for {@code ""}; an unknown name is INVALID_ARGUMENT
     * listing the configured handlers (the kubelet shows it as FailedCreatePodSandBox); a handler
     * whose binary has gone since start-up is FAILED_PRECONDITION.
     */
    private String resolveHandler(String requested) {
        String name = requested.isEmpty() ? handlers.defaultName() : requested;
        Optional<HandlerConfig> found = runtimes.find(name).map(ContainerRuntime::handler);
        if (found.isPresent()) {
            HandlerConfig h = found.get();
            if (!Files.isRegularFile(h.path()) || !Files.isExecutable(h.path())) {
                throw HakoException.failedPrecondition("runtime handler \"" + name + "\" runs " + h.path()
                        + ", which is missing or not executable");
            }
            return name;
        }
        List<String> known = handlers.all().stream().map(HandlerConfig::name).toList();
        throw HakoException.invalidArgument("runtime_handler", "unknown runtime handler \"" + requested
                + "\": no [runtime.handlers." + requested + "] on this node (configured handlers: "
                + String.join(", ", known) + ")");
    }

    private static HakoException alreadyExists(SandboxPlan plan, String id, String note) {
        return HakoException.alreadyExists("pod sandbox " + plan.describe() + " (uid " + plan.uid() + ", attempt "
                + Integer.toUnsignedString(plan.attempt()) + ") already exists" + note + ": " + id);
    }

    private String newId() {
        return Ids.fresh(id -> table.byId(id).isPresent() || creating.containsValue(id));
    }

    // ------------------------------------------------------------------------------------------ Stop / Remove

    /**
     * Stops the pod: its containers first, then its /dev/shm and namespaces are released. Idempotent.
     *
     * @throws HakoException NOT_FOUND for an unknown pod
     */
    public void stop(String id, PodContainers containers) {
        Pod pod = get(id);
        ReentrantLock lock = lockFor(pod.id());
        lock.lock();
        try {
            PodTable.Row row = table.byId(pod.id())
                    .orElseThrow(() -> HakoException.notFound("pod sandbox " + id + " not found"));
            stopLocked(toPod(row), containers);
        } finally {
            lock.unlock();
        }
    }

    private void stopLocked(Pod pod, PodContainers containers) {
        containers.stopContainers(pod.id());
        if (pod.hasInfra()) {
            infra.stop(pod.id(), pod.dir(), runtimes.runtime(pod.runtimeHandler()));
        }
        detachNetwork(pod);
        try {
            releaseMounts(pod.dir());
        } catch (IOException e) {
            throw HakoException.internal("cannot release the namespaces of pod sandbox " + pod.id() + ": "
                    + e.getMessage(), e);
        }
        // the stored state, not the reported one: a pod whose infra container died reports NOTREADY already
        boolean storedReady = table.byId(pod.id()).map(r -> r.state().equals(Pod.State.READY.name())).orElse(false);
        if (storedReady) {
            table.updateState(pod.id(), Pod.State.NOTREADY.name());
            LOG.info("pod sandbox stopped", "id", pod.id(), "pod", pod.namespace() + "/" + pod.name());
        } else {
            LOG.debug("pod sandbox already stopped", "id", pod.id());
        }
    }

    /**
     * Removes the pod: stops it if needed, removes its containers, deletes its
     * directory and its row. An unknown ID is not an error: the pod is gone either way.
     */
    public void remove(String id, PodContainers containers) {
        Optional<String> resolved = resolve(id);
        if (resolved.isEmpty()) {
            LOG.debug("pod sandbox to remove does not exist", "id", id);
            return;
        }
        ReentrantLock lock = lockFor(resolved.get());
        lock.lock();
        try {
            Optional<PodTable.Row> row = table.byId(resolved.get());
            if (row.isEmpty()) {
                return; // removed by a concurrent call
            }
            Pod pod = toPod(row.get());
            stopLocked(pod, containers);
            if (cni != null && cni.hasCachedResult(pod.id())) {
                // stop could not release the pod's network: retried there, and the pod stays until it can
                throw new HakoException(HakoException.Kind.UNAVAILABLE, "cannot remove pod sandbox " + pod.id()
                        + ": its network could not be released (CNI DEL failed; see the log); retry");
            }
            containers.removeContainers(pod.id());
            if (pod.hasInfra()) {
                infra.remove(pod.id(), pod.dir(), runtimes.runtime(pod.runtimeHandler()));
            }
            try {
                releaseMounts(pod.dir());
                deleteTree(pod.dir());
            } catch (IOException e) {
                throw HakoException.internal("cannot delete the directory of pod sandbox " + pod.id() + ": "
                        + e.getMessage(), e);
            }
            table.delete(pod.id());
            LOG.info("pod sandbox removed", "id", pod.id(), "pod", pod.namespace() + "/" + pod.name());
        } finally {
            lock.unlock();
        }
    }

    /**
     * CNI DEL for a pod whose ADD result is still cached: always run on stop, whether or not the netns
     * pin still exists (a missing pin is passed as an empty netns). A failure is logged, not thrown:
     * the cache stays, so remove and recovery retry it.
     *
     * @return whether nothing is owed any more
     */
    private boolean detachNetwork(Pod pod) {
        if (cni == null || !cni.hasCachedResult(pod.id())) {
            return true;
        }
        Path netns = pod.context().netns() != null ? pod.context().netns()
                : pod.dir().resolve("ns").resolve(Kind.NET.fileName());
        try {
            cni.del(attachment(pod.id(), pod.config(), netns));
            return true;
        } catch (RuntimeException e) {
            LOG.error("CNI DEL failed; retried on remove and at restart", "id", pod.id(),
                    "pod", pod.namespace() + "/" + pod.name(), "error", e.getMessage());
            return false;
        }
    }

    private static Cni.Attachment attachment(String id, PodSandboxConfig config, Path netns) {
        List<Cni.PortMapping> ports = new ArrayList<>();
        for (PortMapping pm : config.getPortMappingsList()) {
            if (pm.getHostPort() <= 0) {
                continue;
            }
            String protocol = switch (pm.getProtocol()) {
                case UDP -> "udp";
                case SCTP -> "sctp";
                default -> "tcp";
            };
            ports.add(new Cni.PortMapping(pm.getHostPort(), pm.getContainerPort(), protocol, pm.getHostIp()));
        }
        Map<String, Object> dns = new java.util.LinkedHashMap<>();
        if (config.hasDnsConfig()) {
            var d = config.getDnsConfig();
            if (d.getServersCount() > 0) {
                dns.put("servers", List.copyOf(d.getServersList()));
            }
            if (d.getSearchesCount() > 0) {
                dns.put("searches", List.copyOf(d.getSearchesList()));
            }
            if (d.getOptionsCount() > 0) {
                dns.put("options", List.copyOf(d.getOptionsList()));
            }
        }
        var meta = config.getMetadata();
        return new Cni.Attachment(id, netns.toString(), meta.getNamespace(), meta.getName(), meta.getUid(), ports, dns,
                Cni.bandwidth(config.getAnnotationsMap()));
    }

    // ------------------------------------------------------------------------------------------ Queries

    /**
     * The pod with this ID or unique ID prefix.
     *
     * @throws HakoException NOT_FOUND when none matches, INVALID_ARGUMENT when the prefix is empty or ambiguous
     */
    /**
     * UpdatePodSandboxResources: the kubelet has already resized the pod-level cgroup it owns; the
     * runtime records the new overhead and resources in the pod's config, which status calls report.
     */
    public void updateResources(String id, dev.hako.cri.v1.LinuxContainerResources overhead,
                                dev.hako.cri.v1.LinuxContainerResources resources) {
        Pod pod = get(id);
        ReentrantLock lock = lockFor(pod.id());
        lock.lock();
        try {
            PodSandboxConfig.Builder updated = pod.config().toBuilder();
            updated.getLinuxBuilder().setOverhead(overhead).setResources(resources);
            table.updateConfig(pod.id(), updated.build().toByteArray());
            LOG.info("pod sandbox resources updated", "id", pod.id());
        } finally {
            lock.unlock();
        }
    }

    public Pod get(String idOrUniquePrefix) {
        String id = resolve(idOrUniquePrefix)
                .orElseThrow(() -> HakoException.notFound("pod sandbox " + idOrUniquePrefix + " not found"));
        return table.byId(id).map(this::toPod)
                .orElseThrow(() -> HakoException.notFound("pod sandbox " + idOrUniquePrefix + " not found"));
    }

    /** Every pod, oldest first. */
    public List<Pod> list() {
        return table.all().stream().map(this::toPod).toList();
    }

    private Optional<String> resolve(String idOrPrefix) {
        if (idOrPrefix == null || idOrPrefix.isEmpty()) {
            throw HakoException.invalidArgument("pod_sandbox_id", "must not be empty");
        }
        if (table.byId(idOrPrefix).isPresent()) {
            return Optional.of(idOrPrefix);
        }
        List<String> ids = table.idsWithPrefix(idOrPrefix, 3);
        if (ids.size() > 1) {
            throw HakoException.invalidArgument("pod_sandbox_id", "\"" + idOrPrefix
                    + "\" is an ambiguous ID prefix: it matches " + String.join(", ", ids.subList(0, 2))
                    + (ids.size() > 2 ? " and more" : ""));
        }
        return ids.stream().findFirst();
    }

    private Pod toPod(PodTable.Row row) {
        PodSandboxConfig config;
        PodDetails d;
        Pod.State state;
        try {
            config = PodSandboxConfig.parseFrom(row.config());
            d = PodDetails.parse(row.details());
            state = Pod.State.valueOf(row.state());
        } catch (com.google.protobuf.InvalidProtocolBufferException | IllegalArgumentException e) {
            throw new HakoException(HakoException.Kind.DATA_LOSS, "the stored record of pod sandbox " + row.id()
                    + " is unreadable: " + e.getMessage(), e);
        }
        if (state == Pod.State.READY && d.infraPid() > 0 && infra.exited(row.id(), d.dir())) {
            // the pod's anchor is gone (gVisor's sandbox died with it): not ready, so the kubelet makes a new one
            state = Pod.State.NOTREADY;
        }
        return new Pod(row.id(), config, row.runtimeHandler(), state, row.createdAt(),
                d.dir(), context(row.id(), config, d), d.ips(), d.infraPid());
    }

    private static PodContext context(String id, PodSandboxConfig config, PodDetails d) {
        var meta = config.getMetadata();
        return new PodContext(id, meta.getName(), meta.getNamespace(), meta.getUid(),
                d.hostname(), d.netns(), d.ipcns(), d.utsns(), d.pidns(), d.hostPid(), d.shm(),
                d.dir().resolve(PodFiles.HOSTS), d.dir().resolve(PodFiles.RESOLV_CONF),
                d.dir().resolve(PodFiles.HOSTNAME), config.getLinux().getCgroupParent(),
                Map.copyOf(config.getLinux().getSysctlsMap()));
    }

    // ------------------------------------------------------------------------------------------ Recovery

    /**
     * At daemon start: READY pods whose pins are gone (the node rebooted, or someone unmounted them)
     * become NOTREADY, with whatever is left of their mounts released; directories of pods that have no
     * row (removed, or a creation cut short by a crash) are released and deleted.
     */
    public void recover() {
        MountTable mounts;
        try {
            mounts = MountTable.read();
        } catch (IOException e) {
            throw HakoException.internal("cannot read the mount table: " + e.getMessage(), e);
        }
        int undone = undoUnfinishedCreates();
        Set<String> known = new HashSet<>();
        table.creating().forEach(r -> known.add(r.id())); // an intent recovery could not undo stays for next time
        int ready = 0;
        int notReady = 0;
        for (PodTable.Row row : table.all()) {
            known.add(row.id());
            ReentrantLock lock = lockFor(row.id());
            lock.lock();
            try {
                Pod pod = toPod(row);
                PodDetails d = PodDetails.parse(row.details());
                List<Path> missing = new ArrayList<>();
                for (Path m : d.mounts()) {
                    if (!mounts.isMountPoint(m)) {
                        missing.add(m);
                    }
                }
                boolean infraGone = pod.hasInfra() && infra.exited(pod.id(), pod.dir());
                if (pod.state() == Pod.State.READY && missing.isEmpty() && !infraGone) {
                    ready++;
                    continue;
                }
                if (infraGone && pod.state() == Pod.State.READY) {
                    LOG.warn("pod sandbox is not ready: its infra container has exited", "id", pod.id(),
                            "pod", pod.namespace() + "/" + pod.name());
                }
                detachNetwork(pod); // a DEL that failed before, or a READY pod whose pins are gone
                notReady++;
                if (!mounts.under(pod.dir()).isEmpty()) {
                    releaseMounts(pod.dir());
                }
                if (pod.state() == Pod.State.READY) {
                    table.updateState(pod.id(), Pod.State.NOTREADY.name());
                    LOG.warn("pod sandbox is not ready: its namespace pins are gone", "id", pod.id(),
                            "pod", pod.namespace() + "/" + pod.name(), "missing", missing.toString());
                }
            } catch (IOException | RuntimeException e) {
                LOG.error("cannot recover pod sandbox", "id", row.id(), "error", e.getMessage());
            } finally {
                lock.unlock();
            }
        }
        Set<String> inFlight;
        reserving.lock();
        try {
            inFlight = new HashSet<>(creating.values());
        } finally {
            reserving.unlock();
        }
        if (cni != null) {
            // an ADD whose pod has no row any more: its DEL is still owed, and runs before the netns pin goes
            for (String podId : cni.cachedPodIds()) {
                if (known.contains(podId) || inFlight.contains(podId)) {
                    continue;
                }
                try {
                    cni.del(new Cni.Attachment(podId, "", "", "", "", List.of(), Map.of()));
                    LOG.info("released the network of a removed pod sandbox", "id", podId);
                } catch (RuntimeException e) {
                    LOG.error("CNI DEL for a removed pod sandbox failed; retried at the next start", "id", podId,
                            "error", e.getMessage());
                }
            }
        }
        int leftovers = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(podsRoot)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (known.contains(name) || inFlight.contains(name)) {
                    continue;
                }
                try {
                    releaseMounts(dir);
                    deleteTree(dir);
                    leftovers++;
                    LOG.info("deleted the leftover directory of a removed pod sandbox", "dir", dir);
                } catch (IOException e) {
                    LOG.error("cannot delete the leftover directory of a removed pod sandbox", "dir", dir,
                            "error", e.getMessage());
                }
            }
        } catch (IOException e) {
            throw HakoException.internal("cannot list " + podsRoot + ": " + e.getMessage(), e);
        }
        LOG.info("pod sandboxes recovered", "ready", ready, "notready", notReady, "leftovers_deleted", leftovers,
                "unfinished_creates_undone", undone);
    }

    /**
     * Undoes every pod creation a crash cut short (intent rows): the infra container, then the network
     * (DEL while the netns pin still exists), the mounts and the directory, then the intent. A step that
     * fails keeps the intent for the next start. Returns how many were undone.
     */
    private int undoUnfinishedCreates() {
        int undone = 0;
        for (PodTable.Row row : table.creating()) {
            Path dir = podsRoot.resolve(row.id());
            try {
                if (Files.isDirectory(dir.resolve(InfraContainer.DIR))) {
                    infra.abandon(row.id(), dir, runtimes.find(row.runtimeHandler()).orElse(null));
                }
                if (cni != null && cni.hasCachedResult(row.id())) {
                    cni.del(attachment(row.id(), PodSandboxConfig.parseFrom(row.config()),
                            dir.resolve("ns").resolve(Kind.NET.fileName())));
                }
                releaseMounts(dir);
                deleteTree(dir);
                table.delete(row.id());
                undone++;
                LOG.info("undid a pod sandbox creation cut short by a crash", "id", row.id(),
                        "pod", row.namespace() + "/" + row.name());
            } catch (IOException | RuntimeException e) {
                LOG.error("cannot undo an unfinished pod sandbox creation; retried at the next start", "id", row.id(),
                        "error", e.getMessage());
            }
        }
        return undone;
    }

    // ------------------------------------------------------------------------------------------ Node resources

    /**
     * Unmounts everything at or below {@code dir}, deepest first: the pins, the shm tmpfs, the private
     * ns mount. Nothing mounted is not an error, so this is safe to repeat.
     */
    private static void releaseMounts(Path dir) throws IOException {
        for (int round = 0; round < 8; round++) {
            List<MountTable.Entry> under = MountTable.read().under(dir);
            if (under.isEmpty()) {
                return;
            }
            for (MountTable.Entry e : under) {
                try {
                    MountCalls.umount(e.mountPoint(), MountCalls.UMOUNT_NOFOLLOW);
                } catch (ErrnoException x) {
                    if (x.errno() == Errno.EBUSY) {
                        // something still holds it (a file open on the shm tmpfs): detach it now, it goes when released
                        MountCalls.umount(e.mountPoint(), MountCalls.UMOUNT_NOFOLLOW | MountCalls.MNT_DETACH);
                        LOG.warn("mount was busy and is detached lazily", "path", e.mountPoint());
                    } else if (x.errno() != Errno.EINVAL && x.errno() != Errno.ENOENT) {
                        throw x;
                    }
                }
            }
        }
        List<MountTable.Entry> left = MountTable.read().under(dir);
        if (!left.isEmpty()) {
            throw new IOException("mounts under " + dir + " remain after unmounting: "
                    + left.stream().map(e -> e.mountPoint().toString()).toList());
        }
    }

    /** Deletes a pod directory, which must have nothing mounted in it any more; absent is fine. */
    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!MountTable.read().under(dir).isEmpty()) {
            throw new IOException(dir + " still has mounts in it; not deleting");
        }
        FileTrees.delete(dir);
    }

    private ReentrantLock lockFor(String id) {
        return locks[Math.floorMod(id.hashCode(), locks.length)];
    }
}
