package dev.hako.spec;

import dev.hako.config.CgroupDriver;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.oci.DeviceSpec;
import dev.hako.oci.HostCgroups;
import dev.hako.oci.LinuxSpec;
import dev.hako.oci.ProcessSpec;
import dev.hako.oci.ResourcesSpec;
import dev.hako.oci.RootSpec;
import dev.hako.oci.RuntimeSpec;
import dev.hako.oci.SeccompSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The OCI runtime spec ({@code config.json}) of a CRI container, as a {@link RuntimeSpec}. The rules
 * are the CRI's as containerd and CRI-O apply them; each section has its builder ({@link ProcessSection}, {@link UserSection}, {@link CapabilitySection},
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

    /** Builds config.json (written with {@code Json.write(spec.toJson())}). */
    public RuntimeSpec generate(SpecInput in) {
        ContainerConfig c = in.config();
        SpecLimits.check(c);
        PodContext pod = in.pod();
        LinuxContainerSecurityContext sc = c.getLinux().getSecurityContext();
        LinuxContainerResources res = c.getLinux().getResources();
        boolean privileged = sc.getPrivileged();
        ImageParts image = ImageParts.of(in.image());
        MacPolicy.check(sc, host);
        Sysctls.check(pod);

        ProcessSpec process = ProcessSection.of(in, image, host);
        RootSpec root = new RootSpec(in.rootfs().toAbsolutePath().toString(), sc.getReadonlyRootfs());
        String hostname = pod.utsns() != null && pod.hostname() != null && !pod.hostname().isEmpty()
                ? pod.hostname() : null;
        MountSection.Result mounts = MountSection.of(c, pod, privileged, sc.getReadonlyRootfs());
        Map<String, String> annotations = Annotations.of(in);

        List<ResourcesSpec.DeviceRule> deviceRules = new ArrayList<>();
        deviceRules.add(ResourcesSpec.DeviceRule.all(false, "rwm"));
        if (privileged) {
            deviceRules.add(ResourcesSpec.DeviceRule.all(true, "rwm"));
        }
        List<DeviceSpec> devices = DeviceSection.requested(c, deviceRules);
        if (privileged) {
            devices.addAll(DeviceSection.host(host.devices(), devices));
        }
        ResourcesSpec resources = ResourceSection.of(res, deviceRules);
        String cgroupsPath = CgroupsPath.of(in.cgroupDriver(), pod.cgroupParent(), in.containerId());
        SeccompSpec seccomp = Seccomp.forContainer(sc, privileged, Set.copyOf(process.capabilities().effective()),
                host.arch());
        LinuxSpec linux = new LinuxSpec(pod.sysctls() == null ? Map.of() : pod.sysctls(), resources, cgroupsPath,
                NamespaceSection.of(pod), devices, privileged ? null : MaskedPaths.masked(sc),
                privileged ? null : MaskedPaths.readonly(sc), mounts.rootfsPropagation(), seccomp);
        RuntimeSpec spec = new RuntimeSpec(OCI_VERSION, process, root, hostname, mounts.mounts(), annotations, linux);
        SpecLimits.check(spec);
        return spec;
    }

    // ---- the parts callers outside the translation use ----------------------------------------

    /**
     * The CPU and memory limits of {@code r} in OCI {@code linux.resources} form, without device rules:
     * what {@code runtime update --resources} applies to a running container. Fields the host's cgroups
     * cannot enforce are left out ({@link HostCgroups#omitted()}), as the runtime would fail on them.
     */
    public static ResourcesSpec limits(LinuxContainerResources r) {
        return ResourceSection.limits(r);
    }

    /** As {@link #limits(LinuxContainerResources)}, for the given host. */
    public static ResourcesSpec limits(LinuxContainerResources r, HostCgroups host) {
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
