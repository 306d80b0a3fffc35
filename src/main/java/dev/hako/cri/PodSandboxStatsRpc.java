package dev.hako.cri;

import dev.hako.cri.v1.PodSandboxStatsRequest;
import dev.hako.cri.v1.PodSandboxStatsResponse;
import dev.hako.stats.StatsService;
import java.nio.file.Path;

/** PodSandboxStats: one pod's latest sample: its sums, its network interfaces and each of its containers. */
public final class PodSandboxStatsRpc {
    private final StatsService stats;
    private final String mountpoint;

    /** {@code root}: Hako's root directory, the filesystem writable layers live on. */
    public PodSandboxStatsRpc(StatsService stats, Path root) {
        this.stats = stats;
        this.mountpoint = root.toString();
    }

    public PodSandboxStatsResponse podSandboxStats(PodSandboxStatsRequest r) {
        String id = Requests.podSandboxId(r.getPodSandboxId());
        return PodSandboxStatsResponse.newBuilder().setStats(StatsProtos.pod(stats.pod(id), mountpoint)).build();
    }
}
