package dev.hako.cri;

import dev.hako.container.Container;
import dev.hako.cri.v1.ContainerAttributes;
import dev.hako.cri.v1.ContainerStats;
import dev.hako.cri.v1.CpuUsage;
import dev.hako.cri.v1.FilesystemIdentifier;
import dev.hako.cri.v1.FilesystemUsage;
import dev.hako.cri.v1.LinuxPodSandboxStats;
import dev.hako.cri.v1.MemoryUsage;
import dev.hako.cri.v1.NetworkInterfaceUsage;
import dev.hako.cri.v1.NetworkUsage;
import dev.hako.cri.v1.PodSandboxAttributes;
import dev.hako.cri.v1.PodSandboxStats;
import dev.hako.cri.v1.ProcessUsage;
import dev.hako.cri.v1.UInt64Value;
import dev.hako.pod.Pod;
import dev.hako.stats.CgroupSample;
import dev.hako.stats.NetDev;
import dev.hako.stats.StatsService;

/**
 * The latest samples of {@link StatsService} as the CRI's stats messages, for ContainerStats,
 * ListContainerStats, PodSandboxStats and ListPodSandboxStats. No call reads a file; the sampler did that.
 */
final class StatsProtos {
    private StatsProtos() {}

    /** {@code mountpoint}: the filesystem writable layers live on (Hako's root). */
    static ContainerStats container(StatsService.ContainerSample s, String mountpoint) {
        Container c = s.container();
        ContainerStats.Builder b = ContainerStats.newBuilder().setAttributes(ContainerAttributes.newBuilder()
                .setId(c.id())
                .setMetadata(c.config().getMetadata())
                .putAllLabels(c.config().getLabelsMap())
                .putAllAnnotations(c.config().getAnnotationsMap()));
        if (s.cgroup() != null) {
            b.setCpu(cpu(s.timestamp(), s.cgroup(), s.nanoCores())).setMemory(memory(s.timestamp(), s.cgroup()));
        }
        FilesystemUsage.Builder fs = FilesystemUsage.newBuilder()
                .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(mountpoint));
        if (s.disk() != null) {
            fs.setTimestamp(s.disk().timestamp()).setUsedBytes(u64(s.disk().bytes()))
                    .setInodesUsed(u64(s.disk().inodes()));
        } else {
            fs.setTimestamp(s.timestamp());
        }
        return b.setWritableLayer(fs).build();
    }

    static PodSandboxStats pod(StatsService.PodSample s, String mountpoint) {
        Pod p = s.pod();
        LinuxPodSandboxStats.Builder linux = LinuxPodSandboxStats.newBuilder()
                .setCpu(cpu(s.timestamp(), s.sum(), s.nanoCores()))
                .setMemory(memory(s.timestamp(), s.sum()))
                .setProcess(ProcessUsage.newBuilder().setTimestamp(s.timestamp())
                        .setProcessCount(u64(s.sum().processes())));
        NetworkUsage.Builder net = NetworkUsage.newBuilder().setTimestamp(s.timestamp());
        for (NetDev.Iface i : s.network()) {
            NetworkInterfaceUsage n = NetworkInterfaceUsage.newBuilder().setName(i.name())
                    .setRxBytes(u64(i.rxBytes())).setRxErrors(u64(i.rxErrors()))
                    .setTxBytes(u64(i.txBytes())).setTxErrors(u64(i.txErrors())).build();
            net.addInterfaces(n);
            if (i.name().equals("eth0") || !net.hasDefaultInterface()) {
                net.setDefaultInterface(n);
            }
        }
        linux.setNetwork(net);
        for (StatsService.ContainerSample c : s.containers()) {
            linux.addContainers(container(c, mountpoint));
        }
        return PodSandboxStats.newBuilder()
                .setAttributes(PodSandboxAttributes.newBuilder()
                        .setId(p.id())
                        .setMetadata(p.config().getMetadata())
                        .putAllLabels(p.config().getLabelsMap())
                        .putAllAnnotations(p.config().getAnnotationsMap()))
                .setLinux(linux)
                .build();
    }

    private static CpuUsage cpu(long at, CgroupSample g, long nanoCores) {
        return CpuUsage.newBuilder().setTimestamp(at).setUsageCoreNanoSeconds(u64(g.cpuNanos()))
                .setUsageNanoCores(u64(nanoCores)).build();
    }

    private static MemoryUsage memory(long at, CgroupSample g) {
        MemoryUsage.Builder m = MemoryUsage.newBuilder().setTimestamp(at)
                .setUsageBytes(u64(g.usage()))
                .setWorkingSetBytes(u64(g.workingSet()))
                .setRssBytes(u64(g.rss()))
                .setPageFaults(u64(g.pageFaults()))
                .setMajorPageFaults(u64(g.majorPageFaults()));
        if (g.available() >= 0) { // only under a limit, as cAdvisor reports it
            m.setAvailableBytes(u64(g.available()));
        }
        return m.build();
    }

    static UInt64Value u64(long v) {
        return UInt64Value.newBuilder().setValue(v).build();
    }
}
