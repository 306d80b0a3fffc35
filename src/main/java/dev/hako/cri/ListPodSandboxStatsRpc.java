package dev.hako.cri;

import dev.hako.cri.v1.ListPodSandboxStatsRequest;
import dev.hako.cri.v1.ListPodSandboxStatsResponse;
import dev.hako.cri.v1.PodSandboxStatsFilter;
import dev.hako.pod.Pod;
import dev.hako.stats.StatsService;
import java.nio.file.Path;

/** ListPodSandboxStats: the latest sample of every pod the filter (id prefix, label selector) lets through. */
public final class ListPodSandboxStatsRpc {
    private final StatsService stats;
    private final String mountpoint;

    /** {@code root}: Hako's root directory, the filesystem writable layers live on. */
    public ListPodSandboxStatsRpc(StatsService stats, Path root) {
        this.stats = stats;
        this.mountpoint = root.toString();
    }

    public ListPodSandboxStatsResponse listPodSandboxStats(ListPodSandboxStatsRequest r) {
        PodSandboxStatsFilter f = r.getFilter();
        ListPodSandboxStatsResponse.Builder out = ListPodSandboxStatsResponse.newBuilder();
        for (StatsService.PodSample s : stats.pods()) {
            Pod p = s.pod();
            if (!ListFilters.admits(p, f.getId(), f.getLabelSelectorMap())) {
                continue;
            }
            out.addStats(StatsProtos.pod(s, mountpoint));
        }
        return out.build();
    }
}
