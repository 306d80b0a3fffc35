package dev.hako.pod;

import dev.hako.config.HakoConfig;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.error.HakoException;
import dev.hako.log.Log;
import dev.hako.metrics.Metrics;
import dev.hako.trace.Trace;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.network.Cni;
import dev.hako.oci.RuntimeHandlers;
import dev.hako.spec.HostFacts;
import dev.hako.spec.SpecGenerator;
import dev.hako.store.MetadataStore;
import dev.hako.store.PodTable;
import dev.hako.sys.PrivateFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
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

    private final PodTable table;
    private final Path podsRoot;
    private final Path podLogRoot;
    private final PodLocks locks = new PodLocks();
    private final PodReservations reservations = new PodReservations();
    private final HandlerResolution handlers;
    private final PodRecords records;
    private final PodBuilder builder;
    private final PodTeardown teardown;
    private final PodRecovery recovery;
    private volatile PodObserver observer = PodObserver.NONE;

    public PodService(HakoConfig config, MetadataStore store, RuntimeHandlers handlers, ContainerRuntimes runtimes) {
        this(config, store, handlers, runtimes, null, HostFacts.probe());
    }

    /** With {@code cni} non-null, pods with a network namespace of their own are attached through CNI. */
    public PodService(HakoConfig config, MetadataStore store, RuntimeHandlers handlers, ContainerRuntimes runtimes,
                      Cni cni, HostFacts host) {
        InfraContainer infra = new InfraContainer(config.runtime().infraCommand(), config.state(), runtimes.conmon(),
                config.runtime().cgroupDriver(), host.minOomScoreAdj());
        PodNetwork network = new PodNetwork(cni);
        this.table = new PodTable(store);
        this.handlers = new HandlerResolution(handlers, runtimes);
        this.podLogRoot = config.runtime().podLogRoot();
        Path root = config.state().resolve("pods");
        try {
            PrivateFiles.directory(root);
            // mountinfo shows real paths: compare against those
            this.podsRoot = root.toRealPath();
        } catch (IOException e) {
            throw HakoException.internal("cannot create the pod directory " + root + ": " + e.getMessage(), e);
        }
        this.records = new PodRecords(table, infra);
        this.builder = new PodBuilder(podsRoot, table, runtimes, network, infra, records);
        this.teardown = new PodTeardown(table, runtimes, network, infra);
        this.recovery = new PodRecovery(podsRoot, table, runtimes, network, infra, records, locks, reservations);
    }

    /** Who hears of pods created, stopped and removed (the container events). */
    public void observe(PodObserver o) {
        this.observer = o == null ? PodObserver.NONE : o;
    }

    private void tell(java.util.function.Consumer<PodObserver> change) {
        try {
            change.accept(observer);
        } catch (RuntimeException e) {
            LOG.warn("a pod change was not passed on to the container events (a Hako bug); the kubelet's re-list sees it",
                    "error", Log.cause(e));
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
        SpecGenerator.checkSysctls(config.getLinux().getSysctlsMap(), !plan.hostNetwork(), !plan.hostIpc(),
                "config.linux.sysctls");
        String handler = handlers.resolve(runtimeHandler);
        String id = reservations.reserve(plan, () -> {
            Optional<PodTable.Row> existing = table.byMetadata(plan.name(), plan.namespace(), plan.uid(), plan.attempt());
            if (existing.isPresent()) {
                throw PodReservations.alreadyExists(plan, existing.get().id(), "");
            }
        }, candidate -> table.byId(candidate).isPresent());
        try {
            long start = System.nanoTime();
            Pod pod = builder.create(id, config, plan, handler);
            Trace.pod(id, ""); // the call's phases become the pod's start-up timings (a failed create has no pod)
            Metrics.podStartPhase("sandbox", handler, start);
            LOG.info("pod sandbox ready", "pod", id, "pod_name", plan.describe(), "uid", plan.uid(),
                    "attempt", Integer.toUnsignedString(plan.attempt()), "handler", handler,
                    "netns", pod.context().netns() == null ? "host" : "pod",
                    "ipcns", pod.context().ipcns() == null ? "host" : "pod",
                    "pidns", plan.hostPid() ? "host" : plan.sharedPid() ? "pod" : "container",
                    "infra", pod.hasInfra(),
                    "ms", (System.nanoTime() - start) / 1_000_000);
            tell(o -> o.created(pod));
            return pod;
        } finally {
            reservations.release(plan);
        }
    }

    /** For tests: {@code listener} runs at the start of every creation step and may throw to make it fail. */
    void onStep(Consumer<String> listener) {
        builder.onStep(listener);
    }

    // ------------------------------------------------------------------------------------------ Stop / Remove

    /**
     * Stops the pod: its containers first, then its /dev/shm and namespaces are released. Idempotent.
     *
     * @throws HakoException NOT_FOUND for an unknown pod
     */
    public void stop(String id, PodContainers containers) {
        Pod pod = get(id);
        ReentrantLock lock = locks.forPod(pod.id());
        lock.lock();
        try {
            PodTable.Row row = table.byId(pod.id())
                    .orElseThrow(() -> HakoException.notFound("pod sandbox " + id + " not found"));
            Pod before = records.toPod(row);
            teardown.stop(before, containers);
            if (before.state() == Pod.State.READY) {
                table.byId(pod.id()).map(records::toPod).ifPresent(after -> tell(o -> o.stopped(after)));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes the pod: stops it if needed, removes its containers, deletes its
     * directory and its row. An unknown ID is not an error: the pod is gone either way.
     */
    public void remove(String id, PodContainers containers) {
        Optional<String> resolved = records.resolve(id);
        if (resolved.isEmpty()) {
            LOG.debug("pod sandbox to remove does not exist", "pod", id);
            return;
        }
        ReentrantLock lock = locks.forPod(resolved.get());
        lock.lock();
        try {
            Optional<PodTable.Row> row = table.byId(resolved.get());
            if (row.isEmpty()) {
                return; // removed by a concurrent call
            }
            Pod before = records.toPod(row.get());
            teardown.remove(before, containers);
            Trace.forget(before.id());
            Pod last = before.withState(Pod.State.NOTREADY);
            if (before.state() == Pod.State.READY) {
                tell(o -> o.stopped(last));
            }
            tell(o -> o.removed(last));
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------ Queries

    /**
     * UpdatePodSandboxResources: the kubelet has already resized the pod-level cgroup it owns; the
     * runtime records the new overhead and resources in the pod's config, which status calls report.
     */
    public void updateResources(String id, LinuxContainerResources overhead, LinuxContainerResources resources) {
        Pod pod = get(id);
        ReentrantLock lock = locks.forPod(pod.id());
        lock.lock();
        try {
            PodSandboxConfig.Builder updated = pod.config().toBuilder();
            updated.getLinuxBuilder().setOverhead(overhead).setResources(resources);
            table.updateConfig(pod.id(), updated.build().toByteArray());
            LOG.info("pod sandbox resources updated", "pod", pod.id());
        } finally {
            lock.unlock();
        }
    }

    /**
     * The pod with this ID or unique ID prefix.
     *
     * @throws HakoException NOT_FOUND when none matches, INVALID_ARGUMENT when the prefix is empty or ambiguous
     */
    public Pod get(String idOrUniquePrefix) {
        return records.get(idOrUniquePrefix);
    }

    /** Every pod, oldest first. */
    public List<Pod> list() {
        return records.list();
    }

    // ------------------------------------------------------------------------------------------ Recovery

    /**
     * At daemon start: READY pods whose pins are gone (the node rebooted, or someone unmounted them)
     * become NOTREADY, with whatever is left of their mounts released; directories of pods that have no
     * row (removed, or a creation cut short by a crash) are released and deleted.
     */
    public void recover() {
        recovery.recover();
    }
}
