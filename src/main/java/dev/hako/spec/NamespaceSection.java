package dev.hako.spec;

import dev.hako.oci.NamespaceSpec;
import java.util.ArrayList;
import java.util.List;

/** The {@code linux.namespaces} section: which of the pod's pinned namespaces a container joins. */
final class NamespaceSection {
    private NamespaceSection() {}

    /** An app container's: the pod's PID (unless the host's), network, IPC and UTS namespaces; its own mount and cgroup ones. */
    static List<NamespaceSpec> of(PodContext pod) {
        List<NamespaceSpec> out = new ArrayList<>();
        if (!pod.hostPid()) {
            out.add(new NamespaceSpec("pid", pod.pidns()));
        }
        out.addAll(shared(pod));
        out.add(NamespaceSpec.fresh("mount"));
        out.add(NamespaceSpec.fresh("cgroup"));
        return out;
    }

    /** The pod's network, IPC and UTS namespaces, those it has. */
    static List<NamespaceSpec> shared(PodContext pod) {
        List<NamespaceSpec> out = new ArrayList<>();
        if (pod.netns() != null) {
            out.add(new NamespaceSpec("network", pod.netns()));
        }
        if (pod.ipcns() != null) {
            out.add(new NamespaceSpec("ipc", pod.ipcns()));
        }
        if (pod.utsns() != null) {
            out.add(new NamespaceSpec("uts", pod.utsns()));
        }
        return out;
    }
}
