package dev.hako.pod;

import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.error.HakoException;
import dev.hako.log.Log;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.store.PodTable;
import dev.hako.sys.MountTable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * What the daemon does with the pods it finds at start-up: undoes the creations a crash cut short,
 * marks pods whose namespaces or infra container are gone NOTREADY, owes no CNI DEL, and deletes the
 * directories no pod owns any more.
 */
final class PodRecovery {
    private static final Log LOG = Log.of("pod");

    /** What recovery makes of a stored pod. */
    enum Outcome {
        /** Whole and READY: left alone. */
        STAYS_READY,
        /** Stored READY but something is gone: released and stored NOTREADY. */
        BECOMES_NOT_READY,
        /** Already not ready: whatever it still holds is released. */
        STAYS_NOT_READY
    }

    private final Path podsRoot;
    private final PodTable table;
    private final ContainerRuntimes runtimes;
    private final PodNetwork network;
    private final InfraContainer infra;
    private final PodRecords records;
    private final PodLocks locks;
    private final PodReservations reservations;

    PodRecovery(Path podsRoot, PodTable table, ContainerRuntimes runtimes, PodNetwork network, InfraContainer infra,
                PodRecords records, PodLocks locks, PodReservations reservations) {
        this.podsRoot = podsRoot;
        this.table = table;
        this.runtimes = runtimes;
        this.network = network;
        this.infra = infra;
        this.records = records;
        this.locks = locks;
        this.reservations = reservations;
    }

    /**
     * At daemon start: READY pods whose pins are gone (the node rebooted, or someone unmounted them)
     * become NOTREADY, with whatever is left of their mounts released; directories of pods that have no
     * row (removed, or a creation cut short by a crash) are released and deleted.
     */
    void recover() {
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
            ReentrantLock lock = locks.forPod(row.id());
            lock.lock();
            try {
                Pod pod = records.toPod(row);
                PodDetails d = PodDetails.parse(row.details());
                List<Path> missing = missingMounts(d, mounts::isMountPoint);
                boolean infraGone = pod.hasInfra() && infra.exited(pod.id(), pod.dir());
                Outcome outcome = outcome(pod.state(), missing, infraGone);
                if (outcome == Outcome.STAYS_READY) {
                    ready++;
                    continue;
                }
                if (infraGone && pod.state() == Pod.State.READY) {
                    LOG.warn("pod sandbox is not ready: its infra container has exited; the kubelet stops and recreates the pod",
                            "pod", pod.id(), "pod_name", pod.namespace() + "/" + pod.name());
                }
                network.detach(pod); // a DEL that failed before, or a READY pod whose pins are gone
                notReady++;
                if (!mounts.under(pod.dir()).isEmpty()) {
                    PodMounts.release(pod.dir());
                }
                if (outcome == Outcome.BECOMES_NOT_READY) {
                    table.updateState(pod.id(), Pod.State.NOTREADY.name());
                    LOG.warn("pod sandbox is not ready: its namespace pins are gone (a reboot?); the kubelet recreates the pod",
                            "pod", pod.id(), "pod_name", pod.namespace() + "/" + pod.name(), "missing", missing.toString());
                }
            } catch (IOException | RuntimeException e) {
                LOG.error("cannot recover pod sandbox; it keeps its recorded state and is retried at the next start", "pod", row.id(),
                        "pod_name", row.namespace() + "/" + row.name(), "error", Log.cause(e));
            } finally {
                lock.unlock();
            }
        }
        Set<String> inFlight = reservations.ids();
        network.releaseOrphans(known, inFlight);
        int leftovers = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(podsRoot)) {
            for (Path dir : dirs) {
                if (!isLeftover(dir.getFileName().toString(), known, inFlight)) {
                    continue;
                }
                try {
                    PodMounts.releaseAndDelete(dir);
                    leftovers++;
                    LOG.info("deleted the leftover directory of a removed pod sandbox", "path", dir);
                } catch (IOException e) {
                    LOG.error("cannot delete the leftover directory of a removed pod sandbox; retried at the next start",
                            "pod", dir.getFileName(), "path", dir, "error", Log.cause(e));
                }
            }
        } catch (IOException e) {
            throw HakoException.internal("cannot list " + podsRoot + ": " + e.getMessage(), e);
        }
        LOG.info("pod sandboxes recovered", "ready", ready, "notready", notReady, "leftovers_deleted", leftovers,
                "unfinished_creates_undone", undone);
    }

    /**
     * What becomes of a stored pod, given its reported state, the mounts of its own that are gone and
     * whether its infra container has exited: only a READY pod with everything in place stays READY.
     */
    static Outcome outcome(Pod.State state, List<Path> missing, boolean infraGone) {
        if (state == Pod.State.READY && missing.isEmpty() && !infraGone) {
            return Outcome.STAYS_READY;
        }
        return state == Pod.State.READY ? Outcome.BECOMES_NOT_READY : Outcome.STAYS_NOT_READY;
    }

    /** The mounts the pod holds while READY that are not mount points any more, in the order they were made. */
    static List<Path> missingMounts(PodDetails details, Predicate<Path> isMountPoint) {
        List<Path> missing = new ArrayList<>();
        for (Path m : details.mounts()) {
            if (!isMountPoint.test(m)) {
                missing.add(m);
            }
        }
        return missing;
    }

    /** Whether a directory under the pods root belongs to no pod: neither stored (nor an intent) nor being created. */
    static boolean isLeftover(String name, Set<String> known, Set<String> inFlight) {
        return !known.contains(name) && !inFlight.contains(name);
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
                if (network.owesDel(row.id())) {
                    network.undoAttach(row.id(), PodSandboxConfig.parseFrom(row.config()), dir);
                }
                PodMounts.releaseAndDelete(dir);
                table.delete(row.id());
                undone++;
                LOG.info("undid a pod sandbox creation cut short by a crash", "pod", row.id(),
                        "pod_name", row.namespace() + "/" + row.name());
            } catch (IOException | RuntimeException e) {
                LOG.error("cannot undo an unfinished pod sandbox creation; retried at the next start", "pod", row.id(),
                        "pod_name", row.namespace() + "/" + row.name(), "error", Log.cause(e));
            }
        }
        return undone;
    }
}
