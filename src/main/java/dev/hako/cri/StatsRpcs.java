package dev.hako.cri;

import dev.hako.container.Container;
import dev.hako.cri.v1.ContainerAttributes;
import dev.hako.cri.v1.ContainerStats;
import dev.hako.cri.v1.ContainerStatsFilter;
import dev.hako.cri.v1.ContainerStatsRequest;
import dev.hako.cri.v1.ContainerStatsResponse;
import dev.hako.cri.v1.CpuUsage;
import dev.hako.cri.v1.FilesystemIdentifier;
import dev.hako.cri.v1.FilesystemUsage;
import dev.hako.cri.v1.LinuxPodSandboxStats;
import dev.hako.cri.v1.ListContainerStatsRequest;
import dev.hako.cri.v1.ListContainerStatsResponse;
import dev.hako.cri.v1.ListPodSandboxStatsRequest;
import dev.hako.cri.v1.ListPodSandboxStatsResponse;
import dev.hako.cri.v1.MemoryUsage;
import dev.hako.cri.v1.NetworkInterfaceUsage;
import dev.hako.cri.v1.NetworkUsage;
import dev.hako.cri.v1.PodSandboxAttributes;
import dev.hako.cri.v1.PodSandboxStats;
import dev.hako.cri.v1.PodSandboxStatsFilter;
import dev.hako.cri.v1.PodSandboxStatsRequest;
import dev.hako.cri.v1.PodSandboxStatsResponse;
import dev.hako.cri.v1.ProcessUsage;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.cri.v1.UInt64Value;
import dev.hako.cri.v1.ContainerMetrics;
import dev.hako.cri.v1.ListMetricDescriptorsRequest;
import dev.hako.cri.v1.ListMetricDescriptorsResponse;
import dev.hako.cri.v1.ListPodSandboxMetricsRequest;
import dev.hako.cri.v1.ListPodSandboxMetricsResponse;
import dev.hako.cri.v1.Metric;
import dev.hako.cri.v1.MetricDescriptor;
import dev.hako.cri.v1.MetricType;
import dev.hako.cri.v1.PodSandboxMetrics;
import java.util.List;
import dev.hako.error.HakoException;
import dev.hako.pod.Pod;
import dev.hako.stats.CgroupSample;
import dev.hako.stats.NetDev;
import dev.hako.stats.StatsService;
import java.nio.file.Path;

/**
 * ContainerStats, ListContainerStats, PodSandboxStats, ListPodSandboxStats, ListMetricDescriptors,
 * ListPodSandboxMetrics: the latest samples of
 * {@link StatsService}, converted. No call reads a file; the sampler did that.
 */
public final class StatsRpcs {
    private final StatsService stats;
    private final String mountpoint;

    /** {@code root}: Hako's root directory, the filesystem writable layers live on. */
    public StatsRpcs(StatsService stats, Path root) {
        this.stats = stats;
        this.mountpoint = root.toString();
    }

    public void bind(RpcBinder runtime) {
        runtime.unary(RuntimeServiceGrpc.getContainerStatsMethod(), this::containerStats)
                .unary(RuntimeServiceGrpc.getListContainerStatsMethod(), this::listContainerStats)
                .unary(RuntimeServiceGrpc.getPodSandboxStatsMethod(), this::podSandboxStats)
                .unary(RuntimeServiceGrpc.getListPodSandboxStatsMethod(), this::listPodSandboxStats)
                .unary(RuntimeServiceGrpc.getListMetricDescriptorsMethod(), this::listMetricDescriptors)
                .unary(RuntimeServiceGrpc.getListPodSandboxMetricsMethod(), this::listPodSandboxMetrics);
    }

    public ContainerStatsResponse containerStats(ContainerStatsRequest r) {
        if (r.getContainerId().isEmpty()) {
            throw HakoException.invalidArgument("container_id", "no container id given");
        }
        return ContainerStatsResponse.newBuilder().setStats(container(stats.container(r.getContainerId()))).build();
    }

    public ListContainerStatsResponse listContainerStats(ListContainerStatsRequest r) {
        ContainerStatsFilter f = r.getFilter();
        ListContainerStatsResponse.Builder out = ListContainerStatsResponse.newBuilder();
        for (StatsService.ContainerSample s : stats.containers()) {
            Container c = s.container();
            if ((!f.getId().isEmpty() && !c.id().startsWith(f.getId()))
                    || (!f.getPodSandboxId().isEmpty() && !c.podId().startsWith(f.getPodSandboxId()))
                    || !Labels.match(f.getLabelSelectorMap(), c.config().getLabelsMap())) {
                continue;
            }
            out.addStats(container(s));
        }
        return out.build();
    }

    public PodSandboxStatsResponse podSandboxStats(PodSandboxStatsRequest r) {
        if (r.getPodSandboxId().isEmpty()) {
            throw HakoException.invalidArgument("pod_sandbox_id", "no pod sandbox id given");
        }
        return PodSandboxStatsResponse.newBuilder().setStats(pod(stats.pod(r.getPodSandboxId()))).build();
    }

    public ListPodSandboxStatsResponse listPodSandboxStats(ListPodSandboxStatsRequest r) {
        PodSandboxStatsFilter f = r.getFilter();
        ListPodSandboxStatsResponse.Builder out = ListPodSandboxStatsResponse.newBuilder();
        for (StatsService.PodSample s : stats.pods()) {
            Pod p = s.pod();
            if ((!f.getId().isEmpty() && !p.id().startsWith(f.getId()))
                    || !Labels.match(f.getLabelSelectorMap(), p.config().getLabelsMap())) {
                continue;
            }
            out.addStats(pod(s));
        }
        return out.build();
    }

    private ContainerStats container(StatsService.ContainerSample s) {
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

    private PodSandboxStats pod(StatsService.PodSample s) {
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
            linux.addContainers(container(c));
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
        return MemoryUsage.newBuilder().setTimestamp(at)
                .setUsageBytes(u64(g.usage()))
                .setWorkingSetBytes(u64(g.workingSet()))
                .setRssBytes(u64(g.rss()))
                .setPageFaults(u64(g.pageFaults()))
                .setMajorPageFaults(u64(g.majorPageFaults()))
                .build();
    }

    // ---- metrics (cAdvisor names; the kubelet adds the pod and container labels) ------------

    private record Descriptor(String name, String help, MetricType type, List<String> labelKeys) {}

    private static final List<Descriptor> CONTAINER_METRICS = List.of(
            new Descriptor("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.",
                    MetricType.COUNTER, List.of()),
            new Descriptor("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed.",
                    MetricType.GAUGE, List.of()),
            new Descriptor("container_memory_working_set_bytes", "Current working set in bytes.",
                    MetricType.GAUGE, List.of()),
            new Descriptor("container_memory_rss", "Size of RSS in bytes.", MetricType.GAUGE, List.of()),
            new Descriptor("container_fs_usage_bytes", "Number of bytes that are consumed by the container's writable layer.",
                    MetricType.GAUGE, List.of()),
            new Descriptor("container_fs_inodes_total", "Number of inodes used by the container's writable layer.",
                    MetricType.GAUGE, List.of()));
    private static final List<Descriptor> POD_METRICS = List.of(
            new Descriptor("container_network_receive_bytes_total", "Cumulative count of bytes received.",
                    MetricType.COUNTER, List.of("interface")),
            new Descriptor("container_network_receive_errors_total", "Cumulative count of errors encountered while receiving.",
                    MetricType.COUNTER, List.of("interface")),
            new Descriptor("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted.",
                    MetricType.COUNTER, List.of("interface")),
            new Descriptor("container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting.",
                    MetricType.COUNTER, List.of("interface")));

    public ListMetricDescriptorsResponse listMetricDescriptors(ListMetricDescriptorsRequest r) {
        ListMetricDescriptorsResponse.Builder out = ListMetricDescriptorsResponse.newBuilder();
        for (List<Descriptor> group : List.of(CONTAINER_METRICS, POD_METRICS)) {
            for (Descriptor d : group) {
                out.addDescriptors(MetricDescriptor.newBuilder().setName(d.name()).setHelp(d.help())
                        .addAllLabelKeys(d.labelKeys()));
            }
        }
        return out.build();
    }

    public ListPodSandboxMetricsResponse listPodSandboxMetrics(ListPodSandboxMetricsRequest r) {
        ListPodSandboxMetricsResponse.Builder out = ListPodSandboxMetricsResponse.newBuilder();
        for (StatsService.PodSample p : stats.pods()) {
            PodSandboxMetrics.Builder pm = PodSandboxMetrics.newBuilder().setPodSandboxId(p.pod().id());
            for (NetDev.Iface i : p.network()) {
                long[] values = {i.rxBytes(), i.rxErrors(), i.txBytes(), i.txErrors()};
                for (int k = 0; k < POD_METRICS.size(); k++) {
                    pm.addMetrics(metric(POD_METRICS.get(k), p.timestamp(), values[k], i.name()));
                }
            }
            for (StatsService.ContainerSample c : p.containers()) {
                ContainerMetrics.Builder cm = ContainerMetrics.newBuilder().setContainerId(c.container().id());
                if (c.cgroup() != null) {
                    CgroupSample g = c.cgroup();
                    cm.addMetrics(metric(CONTAINER_METRICS.get(0), c.timestamp(), g.cpuNanos() / 1_000_000_000L))
                            .addMetrics(metric(CONTAINER_METRICS.get(1), c.timestamp(), g.usage()))
                            .addMetrics(metric(CONTAINER_METRICS.get(2), c.timestamp(), g.workingSet()))
                            .addMetrics(metric(CONTAINER_METRICS.get(3), c.timestamp(), g.rss()));
                }
                if (c.disk() != null) {
                    cm.addMetrics(metric(CONTAINER_METRICS.get(4), c.disk().timestamp(), c.disk().bytes()))
                            .addMetrics(metric(CONTAINER_METRICS.get(5), c.disk().timestamp(), c.disk().inodes()));
                }
                pm.addContainerMetrics(cm);
            }
            out.addPodMetrics(pm);
        }
        return out.build();
    }

    private static Metric metric(Descriptor d, long at, long value, String... labels) {
        return Metric.newBuilder().setName(d.name()).setTimestamp(at).setMetricType(d.type())
                .addAllLabelValues(List.of(labels)).setValue(u64(value)).build();
    }

    private static UInt64Value u64(long v) {
        return UInt64Value.newBuilder().setValue(v).build();
    }
}
