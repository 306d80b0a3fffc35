package dev.hako.spec;

import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.Mount;
import dev.hako.cri.v1.MountPropagation;
import dev.hako.error.HakoException;
import dev.hako.oci.MountSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code mounts} section: the runtime's usual file systems (/proc, /dev, /sys…; /sys writable
 * only when privileged), then the CRI's bind mounts and the pod's files (/etc/hosts, resolv.conf,
 * hostname, /dev/shm) unless the kubelet mounts its own, shallow destinations first.
 */
final class MountSection {
    private MountSection() {}

    /** The mounts in config.json order, and the rootfs propagation a mount needs (null: the runtime's default). */
    record Result(List<MountSpec> mounts, String rootfsPropagation) {}

    static Result of(ContainerConfig c, PodContext pod, boolean privileged, boolean readonlyRootfs) {
        List<MountSpec> user = new ArrayList<>();
        String rootPropagation = null;
        for (int i = 0; i < c.getMountsCount(); i++) {
            Mount m = c.getMounts(i);
            String field = "config.mounts[" + i + "]";
            if (m.getContainerPath().isEmpty()) {
                throw HakoException.invalidArgument(field + ".container_path", "is empty");
            }
            if (m.getHostPath().isEmpty()) {
                if (m.hasImage()) {
                    throw HakoException.invalidArgument(field + ".image", "image volumes are not supported");
                }
                throw HakoException.invalidArgument(field + ".host_path", "is empty");
            }
            Path host = Path.of(m.getHostPath());
            if (!Files.exists(host)) {
                throw HakoException.invalidArgument(field + ".host_path", m.getHostPath() + " does not exist");
            }
            List<String> opts = new ArrayList<>();
            opts.add("rbind");
            switch (m.getPropagation()) {
                case PROPAGATION_HOST_TO_CONTAINER -> {
                    opts.add("rslave");
                    if (rootPropagation == null) {
                        rootPropagation = "rslave";
                    }
                }
                case PROPAGATION_BIDIRECTIONAL -> {
                    opts.add("rshared");
                    rootPropagation = "rshared";
                }
                default -> opts.add("rprivate");
            }
            opts.add(m.getReadonly() ? "ro" : "rw");
            if (m.getRecursiveReadOnly()) {
                // as the kubelet and containerd require: read-only, and no propagation that could bring rw mounts in
                if (!m.getReadonly()) {
                    throw HakoException.invalidArgument(field + ".recursive_read_only", "needs readonly: true");
                }
                if (m.getPropagation() != MountPropagation.PROPAGATION_PRIVATE) {
                    throw HakoException.invalidArgument(field + ".recursive_read_only",
                            "needs propagation PROPAGATION_PRIVATE, not " + m.getPropagation());
                }
                opts.add("rro");
            }
            user.add(MountSpec.bind(m.getContainerPath(), m.getHostPath(), opts));
        }
        Set<String> taken = new HashSet<>();
        for (MountSpec m : user) {
            taken.add(clean(m.destination()));
        }
        // the pod's files, unless the kubelet mounts its own (it does for /etc/hosts outside the host network)
        String rw = readonlyRootfs ? "ro" : "rw";
        addPodFile(user, taken, "/etc/hosts", pod.hostsFile(), rw);
        addPodFile(user, taken, "/etc/resolv.conf", pod.resolvConf(), rw);
        addPodFile(user, taken, "/etc/hostname", pod.hostnameFile(), rw);
        if (pod.shm() != null && !taken.contains("/dev/shm")) {
            user.add(MountSpec.bind("/dev/shm", pod.shm().toString(), List.of("rbind", "rprivate", "rw")));
            taken.add("/dev/shm");
        }
        // shallow destinations first, so a mount never hides one below it
        user.sort(Comparator.comparingInt(m -> depth(m.destination())));

        List<MountSpec> out = new ArrayList<>();
        for (MountSpec d : defaultMounts(privileged)) {
            if (!taken.contains(d.destination())) {
                out.add(d);
            }
        }
        out.addAll(user);
        return new Result(out, rootPropagation);
    }

    private static void addPodFile(List<MountSpec> mounts, Set<String> taken, String dest, Path source, String rw) {
        if (source == null || taken.contains(dest)) {
            return;
        }
        mounts.add(MountSpec.bind(dest, source.toString(), List.of("rbind", "rprivate", rw)));
        taken.add(dest);
    }

    private static List<MountSpec> defaultMounts(boolean privileged) {
        String sysRw = privileged ? "rw" : "ro";
        List<MountSpec> out = new ArrayList<>();
        out.add(new MountSpec("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        out.add(new MountSpec("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        out.add(new MountSpec("/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        out.add(new MountSpec("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        out.add(new MountSpec("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        out.add(new MountSpec("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", sysRw)));
        out.add(new MountSpec("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", sysRw)));
        return out;
    }

    private static String clean(String p) {
        String s = p.replaceAll("/+", "/");
        return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static int depth(String p) {
        int n = 0;
        for (String s : clean(p).split("/")) {
            if (!s.isEmpty()) {
                n++;
            }
        }
        return n;
    }
}
