package dev.hako.spec;

import dev.hako.cri.v1.LinuxContainerSecurityContext;
import java.util.List;

/** {@code linux.maskedPaths} and {@code linux.readonlyPaths} of an unprivileged container: the pod's, or the defaults. */
final class MaskedPaths {
    private MaskedPaths() {}

    /** Paths hidden from unprivileged containers (containerd's and CRI-O's defaults). */
    static final List<String> DEFAULT_MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore",
            "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
            "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");

    /** Paths mounted read-only in unprivileged containers. */
    static final List<String> DEFAULT_READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq",
            "/proc/sys", "/proc/sysrq-trigger");

    static List<String> masked(LinuxContainerSecurityContext sc) {
        return sc.getMaskedPathsCount() > 0 ? List.copyOf(sc.getMaskedPathsList()) : DEFAULT_MASKED_PATHS;
    }

    static List<String> readonly(LinuxContainerSecurityContext sc) {
        return sc.getReadonlyPathsCount() > 0 ? List.copyOf(sc.getReadonlyPathsList()) : DEFAULT_READONLY_PATHS;
    }
}
