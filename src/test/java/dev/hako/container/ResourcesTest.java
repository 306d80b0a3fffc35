package dev.hako.container;

import static dev.hako.container.PodFixture.awaitExit;
import static dev.hako.container.PodFixture.container;
import static dev.hako.container.PodFixture.runPod;
import static dev.hako.container.PodFixture.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ContainerStatus;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.cri.v1.UpdateContainerResourcesRequest;
import dev.hako.testing.DaemonProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Resource limits in the container's cgroup (v1 on this host), updates to a running container, OOM kills. */
class ResourcesTest {
    static DaemonProcess d;

    @BeforeAll
    static void setUp() throws Exception {
        d = PodFixture.daemonWithImages();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (d != null) {
            d.close();
        }
    }

    static Path cgroup(String controller, String id) {
        return Path.of("/sys/fs/cgroup", controller, "hako", "hako-" + id);
    }

    @Test
    void limitsReachTheCgroupAndUpdatesApplyToARunningContainer() throws Exception {
        String pod = runPod(d, "limits");
        String id = start(d, pod, container("limited", "sleep 1000").setLinux(LinuxContainerConfig.newBuilder()
                .setResources(LinuxContainerResources.newBuilder()
                        .setCpuPeriod(100_000).setCpuQuota(50_000).setCpuShares(512).setMemoryLimitInBytes(64L << 20))));
        Path cpu = Files.isDirectory(Path.of("/sys/fs/cgroup/cpu,cpuacct")) ? cgroup("cpu,cpuacct", id) : cgroup("cpu", id);
        assertThat(Files.readString(cpu.resolve("cpu.cfs_quota_us")).strip()).isEqualTo("50000");
        assertThat(Files.readString(cpu.resolve("cpu.shares")).strip()).isEqualTo("512");
        assertThat(Files.readString(cgroup("memory", id).resolve("memory.limit_in_bytes")).strip())
                .isEqualTo(String.valueOf(64L << 20));
        d.runtime().updateContainerResources(UpdateContainerResourcesRequest.newBuilder().setContainerId(id)
                .setLinux(LinuxContainerResources.newBuilder().setCpuPeriod(100_000).setCpuQuota(20_000)
                        .setMemoryLimitInBytes(96L << 20)).build());
        assertThat(Files.readString(cpu.resolve("cpu.cfs_quota_us")).strip()).isEqualTo("20000");
        assertThat(Files.readString(cgroup("memory", id).resolve("memory.limit_in_bytes")).strip())
                .isEqualTo(String.valueOf(96L << 20));
    }

    @Test
    void exceedingTheMemoryLimitIsReportedAsOomKilled() throws Exception {
        String pod = runPod(d, "oom");
        String id = start(d, pod, container("hog", "x=aaaaaaaaaaaaaaaa", "while true; do x=$x$x; done")
                .setLinux(LinuxContainerConfig.newBuilder().setResources(LinuxContainerResources.newBuilder()
                        .setMemoryLimitInBytes(24L << 20))));
        ContainerStatus s = awaitExit(d, id);
        assertThat(s.getExitCode()).isEqualTo(137);
        assertThat(s.getReason()).isEqualTo("OOMKilled");
    }
}
