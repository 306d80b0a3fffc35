package dev.hako.spec;

import dev.hako.config.CgroupDriver;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.oci.HostCgroups;
import dev.hako.oci.MountSpec;
import dev.hako.oci.ProcessSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OCI runtime spec ({@code config.json}) of a CRI container, as a JSON tree of maps and lists
 * ready for {@code Json.write}. The rules are the CRI's as containerd and CRI-O apply them; each
 * section has its builder ({@link ProcessSection}, {@link UserSection}, {@link CapabilitySection},
 * {@link MountSection}, {@link DeviceSection}, {@link ResourceSection}, {@link NamespaceSection},
 * {@link Seccomp}, {@link MacPolicy}, {@link Sysctls}), and this class puts them together in
 * config.json order. What it needs of the host comes in as {@link HostFacts}.
 *
 * <p>Security: seccomp from {@link Seccomp}; AppArmor and SELinux are not applied, so asking for
 * them is refused; privileged containers get all of Hako's capabilities, the host's devices, a
 * writable /sys and no masked or read-only paths.
 *
 * <p>Not generated (yet): image volumes and id-mapped mounts.
 */
public final class SpecGenerator {
    public static final String OCI_VERSION = "1.0.2";

    /** CRI-O's {@code default_capabilities}: what an unprivileged container gets unless the pod adds or drops. */
    public static final List<String> DEFAULT_CAPABILITIES = CapabilitySection.DEFAULT_CAPABILITIES;

    private final HostFacts host;

    public SpecGenerator(HostFacts host) {
        this.host = host;
    }

    /** Builds config.json as a JSON tree (Map/List, written with Json.write). */
    public Map<String, Object> generate(SpecInput in) {
        ContainerConfig c = in.config();
        SpecLimits.check(c);
        PodContext pod = in.pod();
        LinuxContainerSecurityContext sc = c.getLinux().getSecurityContext();
        LinuxContainerResources res = c.getLinux().getResources();
        boolean privileged = sc.getPrivileged();
        ImageParts image = ImageParts.of(in.image());
        MacPolicy.check(sc, host);
        Sysctls.check(pod);

        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("ociVersion", OCI_VERSION);

        ProcessSpec process = ProcessSection.of(in, image, host);
        spec.put("process", process.toJson());

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("path", in.rootfs().toAbsolutePath().toString());
        root.put("readonly", sc.getReadonlyRootfs());
        spec.put("root", root);

        if (pod.utsns() != null && pod.hostname() != null && !pod.hostname().isEmpty()) {
            spec.put("hostname", pod.hostname());
        }

        MountSection.Result mounts = MountSection.of(c, pod, privileged, sc.getReadonlyRootfs());
        spec.put("mounts", MountSpec.toJson(mounts.mounts()));
        spec.put("annotations", Annotations.of(in));

        Map<String, Object> linux = new LinkedHashMap<>();
        if (pod.sysctls() != null && !pod.sysctls().isEmpty()) {
            linux.put("sysctl", new LinkedHashMap<>(pod.sysctls()));
        }
        List<Map<String, Object>> deviceRules = new ArrayList<>();
        deviceRules.add(DeviceSection.rule(false, null, -1, -1, "rwm"));
        if (privileged) {
            deviceRules.add(DeviceSection.rule(true, null, -1, -1, "rwm"));
        }
        List<Map<String, Object>> devices = DeviceSection.requested(c, deviceRules);
        if (privileged) {
            devices.addAll(DeviceSection.host(host.devices(), devices));
        }
        linux.put("resources", ResourceSection.of(res, deviceRules));
        linux.put("cgroupsPath", CgroupsPath.of(in.cgroupDriver(), pod.cgroupParent(), in.containerId()));
        linux.put("namespaces", NamespaceSection.of(pod));
        if (!devices.isEmpty()) {
            linux.put("devices", devices);
        }
        if (!privileged) {
            linux.put("maskedPaths", MaskedPaths.masked(sc));
            linux.put("readonlyPaths", MaskedPaths.readonly(sc));
        }
        if (mounts.rootfsPropagation() != null) {
            linux.put("rootfsPropagation", mounts.rootfsPropagation());
        }
        Map<String, Object> seccomp = Seccomp.forContainer(sc, privileged, Set.copyOf(process.capabilities().effective()),
                host.arch());
        if (seccomp != null) {
            linux.put("seccomp", seccomp);
        }
        spec.put("linux", linux);
        SpecLimits.check(spec);
        return spec;
    }

    // ---- the parts callers outside the translation use ----------------------------------------

    /**
     * The CPU and memory limits of {@code r} in OCI {@code linux.resources} form, without device rules:
     * what {@code runtime update --resources} applies to a running container. Fields the host's cgroups
     * cannot enforce are left out ({@link HostCgroups#omitted()}), as the runtime would fail on them.
     */
    public static Map<String, Object> limits(LinuxContainerResources r) {
        return ResourceSection.limits(r);
    }

    /** As {@link #limits(LinuxContainerResources)}, for the given host. */
    public static Map<String, Object> limits(LinuxContainerResources r, HostCgroups host) {
        return ResourceSection.limits(r, host);
    }

    /** {@code linux.cgroupsPath} for the container: a cgroupfs path, or systemd's {@code slice:prefix:name}. */
    public static String cgroupsPath(CgroupDriver driver, String parent, String id) {
        return CgroupsPath.of(driver, parent, id);
    }

    /**
     * The pod's sysctls must be namespaced and in a namespace the pod owns, for RunPodSandbox to refuse
     * a pod before anything is made; {@code field} names the map.
     */
    public static void checkSysctls(Map<String, String> sysctls, boolean ownNetwork, boolean ownIpc, String field) {
        Sysctls.check(sysctls, ownNetwork, ownIpc, field);
    }
}
