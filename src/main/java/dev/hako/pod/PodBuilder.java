package dev.hako.pod;

import dev.hako.FaultPoints;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.error.HakoException;
import dev.hako.log.Log;
import dev.hako.metrics.Metrics;
import dev.hako.trace.Trace;
import dev.hako.monitor.ContainerRuntime;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.store.PodTable;
import dev.hako.sys.MountCalls;
import dev.hako.sys.NamespacePins;
import dev.hako.sys.NamespacePins.Kind;
import dev.hako.sys.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Builds one pod on the node, under its intent row: directory, files, namespace pins, network,
 * /dev/shm, infra container, and completes the row last, so the pod is listed only when it is whole.
 * A step that fails undoes the steps before it and drops the intent; a crash half-way leaves the
 * intent for {@link PodRecovery} to undo.
 */
final class PodBuilder {
    private static final Log LOG = Log.of("pod");
    private static final String SHM_OPTIONS = "mode=1777,size=65536k";
    private static final long SHM_FLAGS = MountCalls.MS_NOSUID | MountCalls.MS_NODEV | MountCalls.MS_NOEXEC;

    private final Path podsRoot;
    private final PodTable table;
    private final ContainerRuntimes runtimes;
    private final PodNetwork network;
    private final InfraContainer infra;
    private final PodRecords records;
    /** Called with the name of each creation step as it begins; tests make steps fail with it. */
    private volatile Consumer<String> stepListener = step -> {};

    PodBuilder(Path podsRoot, PodTable table, ContainerRuntimes runtimes, PodNetwork network, InfraContainer infra,
               PodRecords records) {
        this.podsRoot = podsRoot;
        this.table = table;
        this.runtimes = runtimes;
        this.network = network;
        this.infra = infra;
        this.records = records;
    }

    /** For tests: {@code listener} runs at the start of every creation step and may throw to make it fail. */
    void onStep(Consumer<String> listener) {
        this.stepListener = listener;
    }

    /** The namespace pins a pod has of its own, in {@code nsDir} (null, and no pins, when every namespace is the host's). */
    private record Pins(Path nsDir, Map<Kind, Path> paths) {}

    /** What has been started that undoing a failed create must stop again. */
    private static final class Started {
        boolean cniAdding;
        boolean infraStarting;
    }

    /** Creates pod {@code id}, reserved by the caller; on failure nothing is left behind. */
    Pod create(String id, PodSandboxConfig config, SandboxPlan plan, String handler) {
        Path dir = podsRoot.resolve(id);
        // the intent first: whatever a crash leaves from here on, recovery finds it and undoes it
        PodTable.Row intent = new PodTable.Row(id, plan.name(), plan.namespace(), plan.uid(), plan.attempt(),
                config.toByteArray(), handler, PodTable.CREATING, Instant.now(), new PodDetails(dir, plan.hostname(),
                        null, null, null, null, null, plan.hostPid(), false, List.of(), 0).toJson());
        if (!table.insert(intent)) {
            // only another Hako on the same database can get here: this one reserves names in memory
            throw PodReservations.alreadyExists(plan, table.byMetadata(plan.name(), plan.namespace(), plan.uid(),
                    plan.attempt()).map(PodTable.Row::id).orElse("(being created)"), "");
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
        Started started = new Started();
        try {
            step("files");
            PodFiles.write(dir, plan, config.getDnsConfig());
            List<String> ips = List.of();

            Pins pins = pinNamespaces(dir, plan);
            Path netns = pins.paths().get(Kind.NET);
            if (netns != null) {
                step("loopback"); // already up: NamespacePins.create brings lo up with the namespace
                if (runtimes.runtime(handler).needsUnprivilegedPorts()) {
                    NamespacePins.allowUnprivilegedPorts(netns);
                }
                // without any CNI configuration (NetworkReady false) the pod gets loopback only
                if (network.attaches()) {
                    step("cni");
                    started.cniAdding = true;
                    long attaching = Metrics.now();
                    ips = Trace.in("network", () -> network.attach(id, config, netns));
                    Metrics.podStartPhase("network", handler, attaching);
                    if (!ips.isEmpty()) {
                        PodFiles.writeHosts(dir, plan.hostname(), ips.getFirst());
                    }
                }
            }
            Path shm = mountShm(dir, plan);

            ContainerRuntime runtime = runtimes.runtime(handler);
            boolean sharedPid = plan.sharedPid() && runtime.sharesPodPidNamespace();
            PodDetails details = details(dir, plan, pins, shm, sharedPid, ips, 0);
            if (runtime.needsInfra(sharedPid)) {
                step("infra");
                started.infraStarting = true;
                long starting = Metrics.now();
                PodDetails before = details;
                int pid = Trace.in("infra", () -> infra.start(PodRecords.context(id, config, before),
                        config.getAnnotationsMap(), runtime, dir));
                FaultPoints.reach("pod-infra-started");
                Metrics.podStartPhase("infra", handler, starting);
                details = details(dir, plan, pins, shm, sharedPid, ips, pid);
            }
            PodTable.Row row = new PodTable.Row(id, plan.name(), plan.namespace(), plan.uid(), plan.attempt(),
                    config.toByteArray(), handler, Pod.State.READY.name(), Instant.now(), details.toJson());
            step("record");
            if (!table.complete(row)) {
                throw new HakoException(HakoException.Kind.INTERNAL, "the intent row of pod sandbox " + id
                        + " vanished while creating it");
            }
            return records.toPod(row);
        } catch (IOException | RuntimeException | Error e) {
            undo(e, id, config, dir, handler, started);
            dropIntent(id);
            LOG.warn("pod sandbox creation failed and was undone; the kubelet retries", "pod", id, "pod_name", plan.describe(),
                    "handler", handler, "error", Log.cause(e));
            if (e instanceof HakoException h) {
                throw h;
            }
            throw HakoException.internal("cannot create pod sandbox " + plan.describe() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The pins of the namespaces the pod has of its own (net and uts together, unless the network is the
     * host's; ipc unless IPC is the host's), in {@code <dir>/ns}, a private bind mount of itself so the
     * pins never propagate elsewhere.
     */
    private Pins pinNamespaces(Path dir, SandboxPlan plan) throws IOException {
        Map<Kind, Path> pins = new EnumMap<>(Kind.class);
        if (plan.hostNetwork() && plan.hostIpc()) {
            return new Pins(null, pins);
        }
        Path nsDir = dir.resolve("ns");
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
        Trace.run("namespaces", () -> NamespacePins.create(pins, plan.hostname()));
        FaultPoints.reach("pod-netns-pinned");
        return new Pins(nsDir, pins);
    }

    /** The pod's own /dev/shm (tmpfs, 64m, mode 1777, nosuid,nodev,noexec), or null when IPC is the host's. */
    private Path mountShm(Path dir, SandboxPlan plan) throws IOException {
        if (plan.hostIpc()) {
            return null;
        }
        step("shm");
        Path shm = Files.createDirectory(dir.resolve("shm"));
        MountCalls.mount("shm", shm, "tmpfs", SHM_FLAGS, SHM_OPTIONS);
        return shm;
    }

    private static PodDetails details(Path dir, SandboxPlan plan, Pins pins, Path shm, boolean sharedPid,
                                      List<String> ips, int infraPid) {
        return new PodDetails(dir, plan.hostname(), pins.nsDir(), pins.paths().get(Kind.NET),
                pins.paths().get(Kind.IPC), pins.paths().get(Kind.UTS), shm, plan.hostPid(), sharedPid, ips, infraPid);
    }

    /**
     * Undoes a failed create, last step first: infra container, network, mounts, directory. What cannot
     * be undone is logged and added to {@code failure} as suppressed; the intent stays for recovery then.
     */
    private void undo(Throwable failure, String id, PodSandboxConfig config, Path dir, String handler,
                      Started started) {
        if (started.infraStarting) {
            try {
                infra.remove(id, dir, runtimes.runtime(handler));
            } catch (RuntimeException cleanup) {
                failure.addSuppressed(cleanup);
                LOG.error("removing the infra container of a failed pod sandbox failed; it may be left: delete it with the runtime "
                        + "(<runtime> delete --force <pod>)", "pod", id, "handler", handler, "error", Log.cause(cleanup));
            }
        }
        if (started.cniAdding) {
            try {
                network.undoAttach(id, config, dir);
            } catch (RuntimeException cleanup) {
                failure.addSuppressed(cleanup);
                LOG.error("CNI DEL after a failed pod sandbox creation failed; retried at the next start (check the CNI plugins)",
                        "pod", id, "error", Log.cause(cleanup));
            }
        }
        try {
            PodMounts.releaseAndDelete(dir);
        } catch (IOException | RuntimeException cleanup) {
            failure.addSuppressed(cleanup);
            LOG.error("cleaning up a failed pod sandbox left things behind; retried at the next start", "pod", id, "path", dir,
                    "error", Log.cause(cleanup));
        }
    }

    /** Removes the intent row of a create that failed and was undone; a failure leaves it to recovery. */
    private void dropIntent(String id) {
        try {
            table.delete(id);
        } catch (RuntimeException e) {
            LOG.error("cannot drop the intent of a failed pod sandbox creation; undone at the next start", "pod", id,
                    "error", Log.cause(e));
        }
    }

    private void step(String name) throws IOException {
        stepListener.accept(name);
    }
}
