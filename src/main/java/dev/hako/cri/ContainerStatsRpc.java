package dev.hako.cri;

import dev.hako.cri.v1.ContainerStatsRequest;
import dev.hako.cri.v1.ContainerStatsResponse;
import dev.hako.stats.StatsService;
import java.nio.file.Path;

/** ContainerStats: one container's latest CPU, memory and writable-layer sample. */
public final class ContainerStatsRpc {
    private final StatsService stats;
    private final String mountpoint;

    /** {@code root}: Hako's root directory, the filesystem writable layers live on. */
    public ContainerStatsRpc(StatsService stats, Path root) {
        this.stats = stats;
        this.mountpoint = root.toString();
    }

    public ContainerStatsResponse containerStats(ContainerStatsRequest r) {
        String id = Requests.containerId(r.getContainerId());
        return ContainerStatsResponse.newBuilder().setStats(StatsProtos.container(stats.container(id), mountpoint))
                .build();
    }
}
