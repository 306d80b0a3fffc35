package dev.hako.spec;

import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.oci.HostCgroups;
import dev.hako.oci.ResourcesSpec;
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
    static ResourcesSpec of(LinuxContainerResources r, List<ResourcesSpec.DeviceRule> deviceRules) {
        return limits(r).withDevices(deviceRules);
    }

    /**
     * The CPU and memory limits of {@code r} in OCI {@code linux.resources} form, without device rules:
     * what {@code runtime update --resources} applies to a running container. Fields the host's cgroups
     * cannot enforce are left out ({@link HostCgroups#omitted()}), as the runtime would fail on them.
     */
    static ResourcesSpec limits(LinuxContainerResources r) {
        return limits(r, HostCgroups.current());
    }

    /** As {@link #limits(LinuxContainerResources)}, for the given host. */
    static ResourcesSpec limits(LinuxContainerResources r, HostCgroups host) {
        Long memoryLimit = null;
        Long swap = null;
        if (host.has("memory")) {
            if (r.getMemoryLimitInBytes() > 0) {
                memoryLimit = r.getMemoryLimitInBytes();
            }
            if (host.swapAccounting()) {
                if (r.getMemorySwapLimitInBytes() > 0) {
                    swap = r.getMemorySwapLimitInBytes();
                } else if (r.getMemoryLimitInBytes() > 0) {
                    swap = r.getMemoryLimitInBytes(); // no swap beyond the memory limit
                }
            }
        }
        Long shares = null;
        Long quota = null;
        Long period = null;
        if (host.has("cpu")) {
            if (r.getCpuShares() > 0) {
                shares = r.getCpuShares();
            }
            if (r.getCpuQuota() != 0) {
                quota = r.getCpuQuota();
            }
            if (r.getCpuPeriod() > 0) {
                period = r.getCpuPeriod();
            }
        }
        String cpus = null;
        String mems = null;
        if (host.has("cpuset")) {
            if (!r.getCpusetCpus().isEmpty()) {
                cpus = r.getCpusetCpus();
            }
            if (!r.getCpusetMems().isEmpty()) {
                mems = r.getCpusetMems();
            }
        }
        List<ResourcesSpec.HugepageLimit> pages = new ArrayList<>();
        if (r.getHugepageLimitsCount() > 0 && host.has("hugetlb")) {
            r.getHugepageLimitsList().forEach(h -> pages.add(new ResourcesSpec.HugepageLimit(h.getPageSize(), h.getLimit())));
        }
        Map<String, String> unified = new LinkedHashMap<>();
        r.getUnifiedMap().forEach((k, v) -> {
            if (host.supportsUnifiedKey(k)) {
                unified.put(k, v);
            }
        });
        return new ResourcesSpec(List.of(), new ResourcesSpec.Memory(memoryLimit, swap),
                new ResourcesSpec.Cpu(shares, quota, period, cpus, mems), pages, unified);
    }
}
