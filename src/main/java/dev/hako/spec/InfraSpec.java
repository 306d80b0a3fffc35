package dev.hako.spec;

import dev.hako.config.CgroupDriver;
import dev.hako.oci.MountSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * config.json of a pod's infra container: one small process that anchors the pod. Under gVisor it is
 * the sandbox's first container (the one runsc boots the sandbox for; the pod's containers join it by
 * the grouping annotations); under runc it is PID 1 of a PID namespace the pod's containers share.
 * It joins the pod's pinned namespaces, runs from a read-only root holding nothing but its binary,
 * with no capabilities, and lives in the pod's cgroup parent like any container.
 */
public final class InfraSpec {
    /** Where the infra binary sits in the infra root file system. */
    public static final String BINARY = "/pause";
    /** The empty directories the infra root needs as mount points. */
    public static final List<String> MOUNT_POINTS = List.of("proc", "dev", "sys", "etc");

    private InfraSpec() {}

    /**
     * @param args   the binary's arguments (after {@link #BINARY})
     * @param rootfs the shared read-only infra root file system
     */
    public static Map<String, Object> generate(PodContext pod, List<String> args, Path rootfs, CgroupDriver driver,
                                               int minOomScoreAdj) {
        return generate(pod, args, rootfs, driver, minOomScoreAdj, Map.of());
    }

    /** @param podAnnotations the pod annotations the handler allows into specs (gVisor reads its own there) */
    public static Map<String, Object> generate(PodContext pod, List<String> args, Path rootfs, CgroupDriver driver,
                                               int minOomScoreAdj, Map<String, String> podAnnotations) {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("ociVersion", SpecGenerator.OCI_VERSION);

        Map<String, Object> process = new LinkedHashMap<>();
        process.put("terminal", false);
        process.put("user", Map.of("uid", 0, "gid", 0));
        List<String> argv = new ArrayList<>();
        argv.add(BINARY);
        argv.addAll(args);
        process.put("args", argv);
        process.put("env", List.of(ProcessSection.DEFAULT_PATH));
        process.put("cwd", "/");
        List<String> none = List.of();
        Map<String, Object> caps = new LinkedHashMap<>();
        for (String set : List.of("bounding", "effective", "permitted")) {
            caps.put(set, none);
        }
        process.put("capabilities", caps);
        process.put("noNewPrivileges", true);
        // the first to go under memory pressure would take the whole pod with it: protect it like a kubelet pause
        process.put("oomScoreAdj", Math.max(-998, minOomScoreAdj));
        spec.put("process", process);

        spec.put("root", Map.of("path", rootfs.toAbsolutePath().toString(), "readonly", true));
        if (pod.utsns() != null && pod.hostname() != null && !pod.hostname().isEmpty()) {
            spec.put("hostname", pod.hostname());
        }
        List<MountSpec> mounts = new ArrayList<>();
        mounts.add(new MountSpec("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        mounts.add(new MountSpec("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        mounts.add(new MountSpec("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
        if (pod.resolvConf() != null) {
            mounts.add(new MountSpec("/etc/resolv.conf", "bind", pod.resolvConf().toString(), List.of("rbind", "rprivate", "ro")));
        }
        if (pod.hostsFile() != null) {
            mounts.add(new MountSpec("/etc/hosts", "bind", pod.hostsFile().toString(), List.of("rbind", "rprivate", "ro")));
        }
        spec.put("mounts", MountSpec.toJson(mounts));

        Map<String, Object> annotations = new LinkedHashMap<>(podAnnotations);
        annotations.put(Annotations.CONTAINER_TYPE, "sandbox");
        annotations.put(Annotations.SANDBOX_ID, pod.podId());
        annotations.put(Annotations.SANDBOX_NAME, Annotations.nz(pod.podName()));
        annotations.put(Annotations.SANDBOX_NAMESPACE, Annotations.nz(pod.podNamespace()));
        annotations.put(Annotations.SANDBOX_UID, Annotations.nz(pod.podUid()));
        spec.put("annotations", annotations);

        Map<String, Object> linux = new LinkedHashMap<>();
        if (pod.sysctls() != null && !pod.sysctls().isEmpty()) {
            linux.put("sysctl", new LinkedHashMap<>(pod.sysctls()));
        }
        linux.put("resources", Map.of("devices", List.of(Map.of("allow", false, "access", "rwm"))));
        linux.put("cgroupsPath", CgroupsPath.of(driver, pod.cgroupParent(), pod.podId()));
        List<Map<String, Object>> namespaces = new ArrayList<>();
        if (!pod.hostPid()) {
            namespaces.add(NamespaceSection.namespace("pid", null));
        }
        if (pod.netns() != null) {
            namespaces.add(NamespaceSection.namespace("network", pod.netns()));
        }
        if (pod.ipcns() != null) {
            namespaces.add(NamespaceSection.namespace("ipc", pod.ipcns()));
        }
        if (pod.utsns() != null) {
            namespaces.add(NamespaceSection.namespace("uts", pod.utsns()));
        }
        namespaces.add(NamespaceSection.namespace("mount", null));
        linux.put("namespaces", namespaces);
        linux.put("maskedPaths", MaskedPaths.DEFAULT_MASKED_PATHS);
        linux.put("readonlyPaths", MaskedPaths.DEFAULT_READONLY_PATHS);
        spec.put("linux", linux);
        SpecLimits.check(spec);
        return spec;
    }
}
