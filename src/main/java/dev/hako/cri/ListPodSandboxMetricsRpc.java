package dev.hako.cri;

import dev.hako.cri.v1.ContainerMetrics;
import dev.hako.cri.v1.ListPodSandboxMetricsRequest;
import dev.hako.cri.v1.ListPodSandboxMetricsResponse;
import dev.hako.cri.v1.PodSandboxMetrics;
import dev.hako.stats.CgroupSample;
import dev.hako.stats.NetDev;
import dev.hako.stats.StatsService;
import java.util.List;

/** ListPodSandboxMetrics: every pod's latest sample as cAdvisor-named metrics, per interface and per container. */
public final class ListPodSandboxMetricsRpc {
    private final StatsService stats;

    public ListPodSandboxMetricsRpc(StatsService stats) {
        this.stats = stats;
    }

    public ListPodSandboxMetricsResponse listPodSandboxMetrics(ListPodSandboxMetricsRequest r) {
        List<CadvisorMetrics.Descriptor> podMetrics = CadvisorMetrics.POD;
        List<CadvisorMetrics.Descriptor> containerMetrics = CadvisorMetrics.CONTAINER;
        ListPodSandboxMetricsResponse.Builder out = ListPodSandboxMetricsResponse.newBuilder();
        for (StatsService.PodSample p : stats.pods()) {
            PodSandboxMetrics.Builder pm = PodSandboxMetrics.newBuilder().setPodSandboxId(p.pod().id());
            for (NetDev.Iface i : p.network()) {
                long[] values = {i.rxBytes(), i.rxErrors(), i.txBytes(), i.txErrors()};
                for (int k = 0; k < podMetrics.size(); k++) {
                    pm.addMetrics(CadvisorMetrics.metric(podMetrics.get(k), p.timestamp(), values[k], i.name()));
                }
            }
            for (StatsService.ContainerSample c : p.containers()) {
                ContainerMetrics.Builder cm = ContainerMetrics.newBuilder().setContainerId(c.container().id());
                if (c.cgroup() != null) {
                    CgroupSample g = c.cgroup();
                    cm.addMetrics(CadvisorMetrics.metric(containerMetrics.get(0), c.timestamp(), g.cpuNanos() / 1_000_000_000L))
                            .addMetrics(CadvisorMetrics.metric(containerMetrics.get(1), c.timestamp(), g.usage()))
                            .addMetrics(CadvisorMetrics.metric(containerMetrics.get(2), c.timestamp(), g.workingSet()))
                            .addMetrics(CadvisorMetrics.metric(containerMetrics.get(3), c.timestamp(), g.rss()));
                }
                if (c.disk() != null) {
                    cm.addMetrics(CadvisorMetrics.metric(containerMetrics.get(4), c.disk().timestamp(), c.disk().bytes()))
                            .addMetrics(CadvisorMetrics.metric(containerMetrics.get(5), c.disk().timestamp(), c.disk().inodes()));
                }
                pm.addContainerMetrics(cm);
            }
            out.addPodMetrics(pm);
        }
        return out.build();
    }
}
