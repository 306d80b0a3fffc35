package dev.hako.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.HugepageLimit;
import dev.hako.oci.HostCgroups;
import dev.hako.cri.v1.LinuxContainerResources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CRI LinuxContainerResources → OCI linux.resources, as CreateContainer and UpdateContainerResources use it. */
class ResourceLimitsTest {
    private static final LinuxContainerResources EVERYTHING = LinuxContainerResources.newBuilder()
            .setCpuPeriod(100_000).setCpuQuota(25_000).setCpuShares(256).setCpusetCpus("0").setCpusetMems("0")
            .setMemoryLimitInBytes(128L << 20)
            .addHugepageLimits(HugepageLimit.newBuilder().setPageSize("2MB").setLimit(4L << 20))
            .putUnified("memory.high", "100000000")
            .putUnified("pids.max", "100")
            .build();
    private static final HostCgroups FULL_V2 = new HostCgroups("v2",
            Set.of("cpu", "cpuset", "memory", "hugetlb", "io", "pids"), true);
    /** This project's usual host: cgroup v1 hybrid, hugetlb compiled in but no hierarchy mounted. */
    private static final String HYBRID_MOUNTINFO = """
            30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
            34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
            38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;

    @Test
    void cpuMemoryHugepagesAndUnifiedKeys() {
        Map<String, Object> r = SpecGenerator.limits(EVERYTHING, FULL_V2).toJson();
        assertThat(r.get("cpu")).isEqualTo(Map.of("shares", 256L, "quota", 25_000L, "period", 100_000L, "cpus", "0", "mems", "0"));
        assertThat(((Map<?, ?>) r.get("memory")).get("limit")).isEqualTo(128L << 20);
        assertThat(r.get("hugepageLimits")).isEqualTo(List.of(Map.of("pageSize", "2MB", "limit", 4L << 20)));
        assertThat(r.get("unified")).isEqualTo(Map.of("memory.high", "100000000", "pids.max", "100"));
        assertThat(r).doesNotContainKey("devices");
    }

    @Test
    void hybridHostWithoutHugetlbHierarchyLeavesOutHugepagesAndUnified() {
        HostCgroups host = HostCgroups.detect(HYBRID_MOUNTINFO, Path.of("/sys/fs/cgroup"));
        assertThat(host.mode()).isEqualTo("v1-hybrid");
        assertThat(host.controllers()).contains("cpu", "cpuacct", "cpuset", "memory", "pids").doesNotContain("hugetlb", "systemd");
        assertThat(host.omitted()).containsKeys("hugepage_limits", "unified").doesNotContainKeys("memory", "cpuset_cpus/cpuset_mems");
        assertThat(host.omitted().get("hugepage_limits")).contains("no hugetlb hierarchy is mounted");

        Map<String, Object> r = SpecGenerator.limits(EVERYTHING, host).toJson();
        assertThat(r).doesNotContainKeys("hugepageLimits", "unified").containsKeys("cpu", "memory");
        assertThat(r.get("cpu")).isEqualTo(Map.of("shares", 256L, "quota", 25_000L, "period", 100_000L, "cpus", "0", "mems", "0"));
    }

    @Test
    void v2HostKeepsOnlyUnifiedKeysOfItsControllers() {
        HostCgroups host = new HostCgroups("v2", Set.of("cpu", "memory"), false);
        Map<String, Object> r = SpecGenerator.limits(EVERYTHING, host).toJson();
        assertThat(r.get("unified")).isEqualTo(Map.of("memory.high", "100000000"));
        assertThat(r).doesNotContainKey("hugepageLimits");
        assertThat(r.get("memory")).isEqualTo(Map.of("limit", 128L << 20)); // no swap accounting
        assertThat(r.get("cpu")).isEqualTo(Map.of("shares", 256L, "quota", 25_000L, "period", 100_000L));
        assertThat(host.omitted()).containsKeys("hugepage_limits", "cpuset_cpus/cpuset_mems", "unified pids.*",
                "memory_swap_limit_in_bytes");
    }

    @Test
    void v2RootListsItsControllers(@org.junit.jupiter.api.io.TempDir Path root) throws Exception {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids\n");
        HostCgroups host = HostCgroups.detect("25 1 0:26 / " + root + " rw - cgroup2 cgroup2 rw\n", root);
        assertThat(host.v2()).isTrue();
        assertThat(host.controllers()).containsExactlyInAnyOrder("cpuset", "cpu", "io", "memory", "hugetlb", "pids");
        assertThat(SpecGenerator.limits(EVERYTHING, host).toJson()).containsKey("hugepageLimits");
    }

    @Test
    void nothingSetMeansNoLimits() {
        assertThat(SpecGenerator.limits(LinuxContainerResources.getDefaultInstance()).toJson()).isEmpty();
    }
}
