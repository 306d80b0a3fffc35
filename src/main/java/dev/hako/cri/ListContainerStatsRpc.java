package dev.hako.cri;

import dev.hako.container.Container;
import dev.hako.cri.v1.ContainerStatsFilter;
import dev.hako.cri.v1.ListContainerStatsRequest;
import dev.hako.cri.v1.ListContainerStatsResponse;
import dev.hako.stats.StatsService;
import java.nio.file.Path;

/** ListContainerStats: the latest sample of every container the filter (id prefixes, label selector) lets through. */
public final class ListContainerStatsRpc {
    private final StatsService stats;
    private final String mountpoint;

    /** {@code root}: Hako's root directory, the filesystem writable layers live on. */
    public ListContainerStatsRpc(StatsService stats, Path root) {
        this.stats = stats;
        this.mountpoint = root.toString();
    }

    public ListContainerStatsResponse listContainerStats(ListContainerStatsRequest r) {
        ContainerStatsFilter f = r.getFilter();
        ListContainerStatsResponse.Builder out = ListContainerStatsResponse.newBuilder();
        for (StatsService.ContainerSample s : stats.containers()) {
            Container c = s.container();
            if (!ListFilters.admits(c, f.getId(), f.getPodSandboxId(), f.getLabelSelectorMap())) {
                continue;
            }
            out.addStats(StatsProtos.container(s, mountpoint));
        }
        return out.build();
    }
}
