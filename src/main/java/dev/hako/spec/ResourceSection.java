package dev.hako.spec;

import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.oci.HostCgroups;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code linux.resources} section. The host's cgroups are asked at each call, not once, as
 * Status may find a hierarchy mounted later ({@link HostCgroups#refresh()}).
 */
final class ResourceSection {
    private ResourceSection() {}

    /** The whole section: the device rules, then the limits. */
    static Map<String, Object> of(LinuxContainerResources r, List<Map<String, Object>> deviceRules) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("devices", deviceRules);
        out.putAll(limits(r));
        return out;
    }

    /**
     * The CPU and memory limits of {@code r} in OCI {@code linux.resources} form, without device rules:
     * what {@code runtime update --resources} applies to a running container. Fields the host's cgroups
     * cannot enforce are left out ({@link HostCgroups#omitted()}), as the runtime would fail on them.
     */
    static Map<String, Object> limits(LinuxContainerResources r) {
        return limits(r, HostCgroups.current());
    }

    /** As {@link #limits(LinuxContainerResources)}, for the given host. */
    static Map<String, Object> limits(LinuxContainerResources r, HostCgroups host) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> memory = new LinkedHashMap<>();
        if (host.has("memory")) {
            if (r.getMemoryLimitInBytes() > 0) {
                memory.put("limit", r.getMemoryLimitInBytes());
            }
            if (host.swapAccounting()) {
                if (r.getMemorySwapLimitInBytes() > 0) {
                    memory.put("swap", r.getMemorySwapLimitInBytes());
                } else if (r.getMemoryLimitInBytes() > 0) {
                    memory.put("swap", r.getMemoryLimitInBytes()); // no swap beyond the memory limit
                }
            }
        }
        if (!memory.isEmpty()) {
            out.put("memory", memory);
        }
        Map<String, Object> cpu = new LinkedHashMap<>();
        if (host.has("cpu")) {
            if (r.getCpuShares() > 0) {
                cpu.put("shares", r.getCpuShares());
            }
            if (r.getCpuQuota() != 0) {
                cpu.put("quota", r.getCpuQuota());
            }
            if (r.getCpuPeriod() > 0) {
                cpu.put("period", r.getCpuPeriod());
            }
        }
        if (host.has("cpuset")) {
            if (!r.getCpusetCpus().isEmpty()) {
                cpu.put("cpus", r.getCpusetCpus());
            }
            if (!r.getCpusetMems().isEmpty()) {
                cpu.put("mems", r.getCpusetMems());
            }
        }
        if (!cpu.isEmpty()) {
            out.put("cpu", cpu);
        }
        if (r.getHugepageLimitsCount() > 0 && host.has("hugetlb")) {
            List<Object> pages = new ArrayList<>();
            r.getHugepageLimitsList().forEach(h -> pages.add(Map.of("pageSize", h.getPageSize(), "limit", h.getLimit())));
            out.put("hugepageLimits", pages);
        }
        Map<String, String> unified = new LinkedHashMap<>();
        r.getUnifiedMap().forEach((k, v) -> {
            if (host.supportsUnifiedKey(k)) {
                unified.put(k, v);
            }
        });
        if (!unified.isEmpty()) {
            out.put("unified", unified);
        }
        return out;
    }
}
