package dev.hako.pod;

import dev.hako.cri.v1.NamespaceMode;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.spec.PodContext;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A pod sandbox as Hako keeps it: the kubelet's config, the runtime handler its containers run with
 * (the resolved name: never empty), its state, and what a container's OCI spec needs from it.
 *
 * @param dir     the pod's directory, {@code <state>/pods/<id>}
 * @param context namespaces to join, the pod's files, hostname, cgroup parent and sysctls
 * @param ips     the pod's addresses from CNI ADD, primary first (empty without CNI)
 * @param infraPid the pid of the pod's infra container (gVisor's sandbox, a shared PID namespace), or 0
 */
public record Pod(String id, PodSandboxConfig config, String runtimeHandler, State state, Instant createdAt,
                  Path dir, PodContext context, java.util.List<String> ips, int infraPid) {

    public Pod {
        ips = ips == null ? java.util.List.of() : java.util.List.copyOf(ips);
    }

    /** A pod without pod network addresses (loopback only, or the host's network). */
    public Pod(String id, PodSandboxConfig config, String runtimeHandler, State state, Instant createdAt,
               Path dir, PodContext context) {
        this(id, config, runtimeHandler, state, createdAt, dir, context, java.util.List.of(), 0);
    }

    /** This pod in state {@code s}. */
    public Pod withState(State s) {
        return new Pod(id, config, runtimeHandler, s, createdAt, dir, context, ips, infraPid);
    }

    /** Whether the pod runs an infra container (under the pod's ID). */
    public boolean hasInfra() {
        return infraPid > 0;
    }

    /** READY while its namespaces are pinned; NOTREADY once stopped (or found unpinned after a reboot). */
    public enum State { READY, NOTREADY }

    public String name() {
        return config.getMetadata().getName();
    }

    public String namespace() {
        return config.getMetadata().getNamespace();
    }

    public String uid() {
        return config.getMetadata().getUid();
    }

    public int attempt() {
        return config.getMetadata().getAttempt();
    }

    /**
     * The pod's PID namespace mode: CONTAINER (each container its own), NODE (the host's), or POD (shared
     * by the containers: they join the infra container's, {@code context().pidns()}).
     */
    public NamespaceMode pidMode() {
        return config.getLinux().getSecurityContext().getNamespaceOptions().getPid();
    }
}
