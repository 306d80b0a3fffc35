package dev.hako.spec;

import dev.hako.error.HakoException;
import java.util.Map;

/** The pod's sysctls ({@code linux.sysctl}): only namespaced ones, in a namespace the pod owns. */
final class Sysctls {
    private Sysctls() {}

    /**
     * The pod's sysctls must be namespaced, and in a namespace the pod owns: {@code net.*} in its
     * own network namespace; {@code kernel.shm*}, {@code kernel.msg*}, {@code kernel.sem} and
     * {@code fs.mqueue.*} in its own IPC namespace. Anything else would change the host.
     */
    static void check(PodContext pod) {
        if (pod.sysctls() != null) {
            check(pod.sysctls(), pod.netns() != null, pod.ipcns() != null, "sandbox config.linux.sysctls");
        }
    }

    /** The rule above, for RunPodSandbox to refuse a pod before anything is made; {@code field} names the map. */
    static void check(Map<String, String> sysctls, boolean ownNetwork, boolean ownIpc, String field) {
        for (String name : sysctls.keySet()) {
            String n = name.replace('/', '.');
            String where = field + "[" + name + "]";
            if (n.startsWith("net.")) {
                if (!ownNetwork) {
                    throw HakoException.invalidArgument(where,
                            "sysctl " + name + " needs the pod's own network namespace, but the pod uses the host's network");
                }
            } else if (n.startsWith("kernel.shm") || n.startsWith("kernel.msg") || n.equals("kernel.sem")
                    || n.startsWith("fs.mqueue.")) {
                if (!ownIpc) {
                    throw HakoException.invalidArgument(where,
                            "sysctl " + name + " needs the pod's own IPC namespace, but the pod uses the host's IPC");
                }
            } else {
                throw HakoException.invalidArgument(where, "sysctl " + name
                        + " is not namespaced (only net.*, kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.* are allowed)");
            }
        }
    }
}
