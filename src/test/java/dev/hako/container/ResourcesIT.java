package dev.hako.container;

import static dev.hako.testing.PodFixture.awaitExit;
import static dev.hako.testing.PodFixture.container;
import static dev.hako.testing.PodFixture.runPod;
import static dev.hako.testing.PodFixture.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ContainerStatus;
import dev.hako.cri.v1.HugepageLimit;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.cri.v1.UpdateContainerResourcesRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Resource limits in the container's cgroup (v1 on this host), updates to a running container, OOM kills. */
class ResourcesIT {
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

    /**
     * What a kubelet sends: a hugepage limit for every page size the kernel lists (whether or not a hugetlb
     * hierarchy is mounted) and, on a cgroup v2 host only, cgroup v2 keys (the kubelet sends none on v1, where
     * Hako refuses them: RequestChecksTest). The container starts on any host; fields the host can enforce
     * reach the cgroup, the others are left out.
     */
    @Test
    void kubeletStyleResourcesStartOnEveryHost() throws Exception {
        LinuxContainerResources.Builder r = LinuxContainerResources.newBuilder()
                .setCpuPeriod(100_000).setCpuQuota(30_000).setMemoryLimitInBytes(48L << 20);
        if (dev.hako.oci.HostCgroups.current().v2()) {
            r.putUnified("memory.high", String.valueOf(40L << 20));
        }
        try (var sizes = Files.list(Path.of("/sys/kernel/mm/hugepages"))) {
            sizes.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("hugepages-") && n.endsWith("kB"))
                    .forEach(n -> {
                        long kb = Long.parseLong(n.substring("hugepages-".length(), n.length() - 2));
                        String size = kb >= 1024 * 1024 ? kb / (1024 * 1024) + "GB" : kb >= 1024 ? kb / 1024 + "MB" : kb + "KB";
                        r.addHugepageLimits(HugepageLimit.newBuilder().setPageSize(size).setLimit(0));
                    });
        } catch (java.nio.file.NoSuchFileException e) {
            // a kernel without hugepages: nothing to add
        }
        String pod = runPod(d, "kubeletres");
        String id = start(d, pod, container("kubeletres", "sleep 1000")
                .setLinux(LinuxContainerConfig.newBuilder().setResources(r)));
        assertThat(d.runtime().containerStatus(dev.hako.cri.v1.ContainerStatusRequest.newBuilder().setContainerId(id)
                .build()).getStatus().getState()).isEqualTo(dev.hako.cri.v1.ContainerState.CONTAINER_RUNNING);
        if (!Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
            assertThat(Files.readString(cgroup("memory", id).resolve("memory.limit_in_bytes")).strip())
                    .isEqualTo(String.valueOf(48L << 20));
        }
        String info = d.runtime().status(dev.hako.cri.v1.StatusRequest.newBuilder().setVerbose(true).build())
                .getInfoMap().get("cgroups");
        assertThat(info).contains("\"controllers\"").contains("\"omitted\"");
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
