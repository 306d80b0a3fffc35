package dev.hako.pod;

import dev.hako.error.HakoException;
import dev.hako.log.Log;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.store.PodTable;
import dev.hako.trace.Trace;
import java.io.IOException;

/**
 * Stopping and removing a pod, in the order its parts depend on each other: containers, infra
 * container, network, mounts, and for removal the directory and the row last. The caller holds the
 * pod's lock.
 */
final class PodTeardown {
    private static final Log LOG = Log.of("pod");

    private final PodTable table;
    private final ContainerRuntimes runtimes;
    private final PodNetwork network;
    private final InfraContainer infra;

    PodTeardown(PodTable table, ContainerRuntimes runtimes, PodNetwork network, InfraContainer infra) {
        this.table = table;
        this.runtimes = runtimes;
        this.network = network;
        this.infra = infra;
    }

    /** Stops the pod: its containers first, then its /dev/shm and namespaces are released. Idempotent. */
    void stop(Pod pod, PodContainers containers) {
        Trace.run("containers", () -> containers.stopContainers(pod.id()));
        if (pod.hasInfra()) {
            Trace.run("infra", () -> infra.stop(pod.id(), pod.dir(), runtimes.runtime(pod.runtimeHandler())));
        }
        Trace.run("network", () -> network.detach(pod));
        try {
            PodMounts.release(pod.dir());
        } catch (IOException e) {
            throw HakoException.internal("cannot release the namespaces of pod sandbox " + pod.id() + ": "
                    + e.getMessage(), e);
        }
        // the stored state, not the reported one: a pod whose infra container died reports NOTREADY already
        boolean storedReady = table.byId(pod.id()).map(r -> r.state().equals(Pod.State.READY.name())).orElse(false);
        if (storedReady) {
            table.updateState(pod.id(), Pod.State.NOTREADY.name());
            LOG.info("pod sandbox stopped", "pod", pod.id(), "pod_name", pod.namespace() + "/" + pod.name());
        } else {
            LOG.debug("pod sandbox already stopped", "pod", pod.id());
        }
    }

    /**
     * Removes the pod: stops it if needed, removes its containers, deletes its directory and its row.
     *
     * @throws HakoException UNAVAILABLE when its network could not be released: the pod stays until it can
     */
    void remove(Pod pod, PodContainers containers) {
        stop(pod, containers);
        if (network.owesDel(pod.id())) {
            // stop could not release the pod's network: retried there, and the pod stays until it can
            throw new HakoException(HakoException.Kind.UNAVAILABLE, "cannot remove pod sandbox " + pod.id()
                    + ": its network could not be released (CNI DEL failed; see the log); retry");
        }
        containers.removeContainers(pod.id());
        if (pod.hasInfra()) {
            infra.remove(pod.id(), pod.dir(), runtimes.runtime(pod.runtimeHandler()));
        }
        try {
            PodMounts.releaseAndDelete(pod.dir());
        } catch (IOException e) {
            throw HakoException.internal("cannot delete the directory of pod sandbox " + pod.id() + ": "
                    + e.getMessage(), e);
        }
        table.delete(pod.id());
        LOG.info("pod sandbox removed", "pod", pod.id(), "pod_name", pod.namespace() + "/" + pod.name());
    }
}
