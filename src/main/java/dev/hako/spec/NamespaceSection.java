package dev.hako.spec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code linux.namespaces} section: which of the pod's pinned namespaces a container joins. */
final class NamespaceSection {
    private NamespaceSection() {}

    /** An app container's: the pod's PID (unless the host's), network, IPC and UTS namespaces; its own mount and cgroup ones. */
    static List<Map<String, Object>> of(PodContext pod) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!pod.hostPid()) {
            out.add(namespace("pid", pod.pidns()));
        }
        if (pod.netns() != null) {
            out.add(namespace("network", pod.netns()));
        }
        if (pod.ipcns() != null) {
            out.add(namespace("ipc", pod.ipcns()));
        }
        if (pod.utsns() != null) {
            out.add(namespace("uts", pod.utsns()));
        }
        out.add(namespace("mount", null));
        out.add(namespace("cgroup", null));
        return out;
    }

    /** One namespace entry: to join {@code path}, or a new one when null. */
    static Map<String, Object> namespace(String type, Path path) {
        Map<String, Object> ns = new LinkedHashMap<>();
        ns.put("type", type);
        if (path != null) {
            ns.put("path", path.toString());
        }
        return ns;
    }
}
