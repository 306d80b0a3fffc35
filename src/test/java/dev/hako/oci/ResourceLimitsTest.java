package dev.hako.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.HugepageLimit;
import dev.hako.cri.v1.LinuxContainerResources;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** CRI LinuxContainerResources → OCI linux.resources, as CreateContainer and UpdateContainerResources use it. */
class ResourceLimitsTest {

    @Test
    void cpuMemoryHugepagesAndUnifiedKeys() {
        Map<String, Object> r = SpecGenerator.limits(LinuxContainerResources.newBuilder()
                .setCpuPeriod(100_000).setCpuQuota(25_000).setCpuShares(256).setCpusetCpus("0").setCpusetMems("0")
                .setMemoryLimitInBytes(128L << 20)
                .addHugepageLimits(HugepageLimit.newBuilder().setPageSize("2MB").setLimit(4L << 20))
                .putUnified("memory.high", "100000000")
                .build());
        assertThat(r.get("cpu")).isEqualTo(Map.of("shares", 256L, "quota", 25_000L, "period", 100_000L, "cpus", "0", "mems", "0"));
        assertThat(((Map<?, ?>) r.get("memory")).get("limit")).isEqualTo(128L << 20);
        assertThat(r.get("hugepageLimits")).isEqualTo(List.of(Map.of("pageSize", "2MB", "limit", 4L << 20)));
        assertThat(r.get("unified")).isEqualTo(Map.of("memory.high", "100000000"));
        assertThat(r).doesNotContainKey("devices");
    }

    @Test
    void nothingSetMeansNoLimits() {
        assertThat(SpecGenerator.limits(LinuxContainerResources.getDefaultInstance())).isEmpty();
    }
}
