package dev.hako.spec;

import dev.hako.config.CgroupDriver;

/** Where a container's cgroup goes, from the pod's cgroup parent and the cgroup driver. */
final class CgroupsPath {
    private CgroupsPath() {}

    /** {@code linux.cgroupsPath} for the container: a cgroupfs path, or systemd's {@code slice:prefix:name}. */
    static String of(CgroupDriver driver, String parent, String id) {
        String p = parent == null ? "" : parent.strip();
        if (driver == CgroupDriver.SYSTEMD) {
            String slice = p;
            int slash = slice.lastIndexOf('/');
            if (slash >= 0) {
                slice = slice.substring(slash + 1);
            }
            if (slice.isEmpty()) {
                slice = "system.slice";
            }
            return slice + ":hako:" + id;
        }
        if (p.isEmpty() || p.equals("/")) {
            return "/hako/hako-" + id;
        }
        if (!p.startsWith("/")) {
            p = "/" + p;
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p + "/hako-" + id;
    }
}
