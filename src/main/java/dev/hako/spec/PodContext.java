package dev.hako.spec;

import java.nio.file.Path;
import java.util.Map;

/**
 * What a container's OCI spec needs from its pod, without the oci package knowing about pods:
 * identity (for annotations and cgroups), the namespaces to join, and the files the pod provides.
 *
 * @param netns     path of the pod's pinned network namespace, or null to use the host's
 * @param ipcns     path of the pinned IPC namespace, or null for the host's
 * @param utsns     path of the pinned UTS namespace, or null for the host's
 * @param pidns     path of the pod's shared PID namespace (infra container), or null: own PID
 *                  namespace, or the host's when {@code hostPid}
 * @param shm       the pod's /dev/shm tmpfs, or null when IPC is the host's
 * @param hostsFile /etc/hosts for every container, resolvConf /etc/resolv.conf, hostnameFile /etc/hostname
 * @param cgroupParent as the kubelet passed it (a cgroupfs path, or a systemd slice)
 */
public record PodContext(String podId, String podName, String podNamespace, String podUid, String hostname,
                         Path netns, Path ipcns, Path utsns, Path pidns, boolean hostPid, Path shm,
                         Path hostsFile, Path resolvConf, Path hostnameFile, String cgroupParent,
                         Map<String, String> sysctls) {}
