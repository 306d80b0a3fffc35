package dev.hako.stats;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a container's cgroup lives on this host: maps the OCI spec's {@code linux.cgroupsPath} (a
 * cgroupfs path, or systemd's {@code slice:prefix:name}) to the directories holding its cpu and
 * memory files, under the v1 controller mounts or the v2 unified hierarchy.
 */
public final class CgroupPaths {
    private CgroupPaths() {}

    /** The cpu-accounting and memory directories of one cgroup; {@code v2} when both are the same unified dir. */
    public record Dirs(Path cpu, Path memory, boolean v2) {}

    /** True when {@code root} (normally /sys/fs/cgroup) is a cgroup v2 unified mount. */
    public static boolean isV2(Path root) {
        return Files.exists(root.resolve("cgroup.controllers"));
    }

    /** The directories of {@code cgroupsPath} under {@code root}. */
    public static Dirs resolve(Path root, String cgroupsPath) {
        String rel = relative(cgroupsPath);
        if (isV2(root)) {
            Path dir = under(root, rel);
            return new Dirs(dir, dir, true);
        }
        Path cpuMount = root.resolve("cpu,cpuacct");
        if (!Files.isDirectory(cpuMount)) {
            cpuMount = root.resolve("cpuacct");
        }
        return new Dirs(under(cpuMount, rel), under(root.resolve("memory"), rel), false);
    }

    /**
     * The path of the cgroup relative to a hierarchy's root, without a leading slash: a cgroupfs path
     * as is, systemd's {@code slice:prefix:name} as {@code <expanded slice>/<prefix>-<name>.scope}.
     */
    public static String relative(String cgroupsPath) {
        String p = cgroupsPath == null ? "" : cgroupsPath.strip();
        if (!p.startsWith("/") && p.split(":", -1).length == 3) {
            String[] parts = p.split(":", -1);
            String unit = parts[2].endsWith(".slice") ? parts[2]
                    : (parts[1].isEmpty() ? "" : parts[1] + "-") + parts[2] + ".scope";
            String slice = expandSlice(parts[0].isEmpty() ? "system.slice" : parts[0]);
            return slice.isEmpty() ? unit : slice + "/" + unit;
        }
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        return p;
    }

    /**
     * systemd's slice nesting: {@code kubepods-burstable-pod1.slice} is
     * {@code kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice}; {@code -.slice} is the root.
     */
    public static String expandSlice(String slice) {
        if (slice.equals("-.slice") || !slice.endsWith(".slice")) {
            return slice.equals("-.slice") ? "" : slice;
        }
        String name = slice.substring(0, slice.length() - ".slice".length());
        StringBuilder out = new StringBuilder();
        String prefix = "";
        for (String part : name.split("-")) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException("invalid slice name " + slice);
            }
            prefix = prefix.isEmpty() ? part : prefix + "-" + part;
            if (!out.isEmpty()) {
                out.append('/');
            }
            out.append(prefix).append(".slice");
        }
        return out.toString();
    }

    private static Path under(Path mount, String rel) {
        return rel.isEmpty() ? mount : mount.resolve(rel);
    }
}
