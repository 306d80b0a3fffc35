package dev.hako.spec;

import dev.hako.config.CgroupDriver;
import dev.hako.oci.LinuxSpec;
import dev.hako.oci.MountSpec;
import dev.hako.oci.NamespaceSpec;
import dev.hako.oci.ProcessSpec;
import dev.hako.oci.ResourcesSpec;
import dev.hako.oci.RootSpec;
import dev.hako.oci.RuntimeSpec;
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
    public static RuntimeSpec generate(PodContext pod, List<String> args, Path rootfs, CgroupDriver driver,
                                       int minOomScoreAdj) {
        return generate(pod, args, rootfs, driver, minOomScoreAdj, Map.of());
    }

    /** @param podAnnotations the pod annotations the handler allows into specs (gVisor reads its own there) */
    public static RuntimeSpec generate(PodContext pod, List<String> args, Path rootfs, CgroupDriver driver,
                                       int minOomScoreAdj, Map<String, String> podAnnotations) {
        List<String> argv = new ArrayList<>();
        argv.add(BINARY);
        argv.addAll(args);
        // the first to go under memory pressure would take the whole pod with it: protect it like a kubelet pause
        ProcessSpec process = new ProcessSpec(false, new ProcessSpec.User(0, 0, null), argv,
                List.of(ProcessSection.DEFAULT_PATH), "/", ProcessSpec.Capabilities.of(List.of(), List.of()), true,
                Math.max(-998, minOomScoreAdj));
        RootSpec root = new RootSpec(rootfs.toAbsolutePath().toString(), true);
        String hostname = pod.utsns() != null && pod.hostname() != null && !pod.hostname().isEmpty()
                ? pod.hostname() : null;

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

        Map<String, String> annotations = new LinkedHashMap<>(podAnnotations);
        annotations.put(Annotations.CONTAINER_TYPE, "sandbox");
        annotations.put(Annotations.SANDBOX_ID, pod.podId());
        annotations.put(Annotations.SANDBOX_NAME, Annotations.nz(pod.podName()));
        annotations.put(Annotations.SANDBOX_NAMESPACE, Annotations.nz(pod.podNamespace()));
        annotations.put(Annotations.SANDBOX_UID, Annotations.nz(pod.podUid()));

        List<NamespaceSpec> namespaces = new ArrayList<>();
        if (!pod.hostPid()) {
            namespaces.add(NamespaceSpec.fresh("pid"));
        }
        namespaces.addAll(NamespaceSection.shared(pod));
        namespaces.add(NamespaceSpec.fresh("mount"));
        ResourcesSpec resources = new ResourcesSpec(List.of(ResourcesSpec.DeviceRule.all(false, "rwm")), null, null,
                List.of(), Map.of());
        LinuxSpec linux = new LinuxSpec(pod.sysctls() == null ? Map.of() : pod.sysctls(), resources,
                CgroupsPath.of(driver, pod.cgroupParent(), pod.podId()), namespaces, List.of(),
                MaskedPaths.DEFAULT_MASKED_PATHS, MaskedPaths.DEFAULT_READONLY_PATHS, null, null);
        RuntimeSpec spec = new RuntimeSpec(SpecGenerator.OCI_VERSION, process, root, hostname, mounts, annotations, linux);
        SpecLimits.check(spec);
        return spec;
    }
}
