package dev.hako.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.admin.v1.AdminGrpc;
import dev.hako.admin.v1.ImportRequest;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.ContainerStats;
import dev.hako.cri.v1.ContainerStatsFilter;
import dev.hako.cri.v1.ContainerStatsRequest;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.ListContainerStatsRequest;
import dev.hako.cri.v1.ListMetricDescriptorsRequest;
import dev.hako.cri.v1.ListPodSandboxMetricsRequest;
import dev.hako.cri.v1.MetricDescriptor;
import dev.hako.cri.v1.PodSandboxMetrics;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.ListPodSandboxStatsRequest;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.PodSandboxStats;
import dev.hako.cri.v1.PodSandboxStatsFilter;
import dev.hako.cri.v1.PodSandboxStatsRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.image.TestImage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CRI stats through the real daemon, runc and v1 cgroups. */
class StatsDaemonIT {
    static final String IMAGE = "example.com/test/busybox:1";
    static DaemonProcess d;

    @BeforeAll
    static void setUp() throws Exception {
        d = DaemonProcess.withConfig("").start();
        Path tar = d.dir().resolve("busybox.tar");
        TestImage.builder().layer(TestImage.busyboxLayer()).build().writeOciLayout(tar, IMAGE);
        AdminGrpc.newBlockingStub(d.channel()).importImages(ImportRequest.newBuilder().setPath(tar.toString()).build());
        Files.delete(tar);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (d != null) {
            for (var p : d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            }
            d.close();
        }
    }

    static String runPod(String name, String tier) {
        return d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default").setUid(name + "-uid"))
                .setHostname(name).putLabels("tier", tier)
                .setLogDirectory(d.dir().resolve("logs").resolve(name).toString())).build()).getPodSandboxId();
    }

    static String start(String pod, String name, String role, String script) {
        ContainerConfig cfg = ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(IMAGE))
                .addAllCommand(List.of("/bin/sh", "-c")).addArgs(script)
                .putLabels("role", role)
                .setLogPath(name + "/0.log").build();
        String id = d.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod).setConfig(cfg)
                .build()).getContainerId();
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    static ContainerStats stats(String id) {
        return d.runtime().containerStats(ContainerStatsRequest.newBuilder().setContainerId(id).build()).getStats();
    }

    static <T> T await(Supplier<T> get, Predicate<T> ok, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            T v = get.get();
            if (ok.test(v) || System.currentTimeMillis() > deadline) {
                return v;
            }
            Thread.sleep(100);
        }
    }

    @Test
    void containerAndPodStats() throws Exception {
        String pod = runPod("stats", "web");
        String other = runPod("stats-other", "db");
        String busy = start(pod, "busy", "spin", "while :; do :; done");
        String idle = start(pod, "idle", "sleep", "sleep 1000");
        String lone = start(other, "lone", "sleep", "sleep 1000");

        ContainerStats first = await(() -> stats(busy), s -> s.getCpu().getUsageNanoCores().getValue() > 0, 2500);
        assertThat(first.getAttributes().getId()).isEqualTo(busy);
        assertThat(first.getAttributes().getMetadata().getName()).isEqualTo("busy");
        assertThat(first.getCpu().getUsageNanoCores().getValue()).isPositive();
        Thread.sleep(1500);
        ContainerStats second = stats(busy);
        assertThat(second.getCpu().getUsageCoreNanoSeconds().getValue())
                .isGreaterThan(first.getCpu().getUsageCoreNanoSeconds().getValue());
        assertThat(second.getCpu().getTimestamp()).isGreaterThan(first.getCpu().getTimestamp());
        assertThat(second.getMemory().getWorkingSetBytes().getValue()).isPositive();
        assertThat(second.getMemory().getUsageBytes().getValue()).isPositive();
        assertThat(second.getMemory().hasAvailableBytes()).as("no memory limit, no available_bytes").isFalse();
        assertThat(second.getWritableLayer().getFsId().getMountpoint()).isEqualTo(d.root().toString());

        // filters
        assertThat(ids(d.runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance()).getStatsList()))
                .contains(busy, idle, lone);
        assertThat(ids(d.runtime().listContainerStats(ListContainerStatsRequest.newBuilder().setFilter(
                ContainerStatsFilter.newBuilder().setPodSandboxId(pod)).build()).getStatsList()))
                .containsExactlyInAnyOrder(busy, idle);
        assertThat(ids(d.runtime().listContainerStats(ListContainerStatsRequest.newBuilder().setFilter(
                ContainerStatsFilter.newBuilder().putLabelSelector("role", "sleep")).build()).getStatsList()))
                .containsExactlyInAnyOrder(idle, lone);
        assertThat(ids(d.runtime().listContainerStats(ListContainerStatsRequest.newBuilder().setFilter(
                ContainerStatsFilter.newBuilder().setId(lone)).build()).getStatsList())).containsExactly(lone);

        // pod = sum of its containers, from the same sample
        PodSandboxStats ps = d.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder().setPodSandboxId(pod)
                .build()).getStats();
        assertThat(ps.getAttributes().getId()).isEqualTo(pod);
        assertThat(ps.getLinux().getContainersList()).extracting(c -> c.getAttributes().getId())
                .containsExactlyInAnyOrder(busy, idle);
        long cpuSum = ps.getLinux().getContainersList().stream()
                .mapToLong(c -> c.getCpu().getUsageCoreNanoSeconds().getValue()).sum();
        long memSum = ps.getLinux().getContainersList().stream()
                .mapToLong(c -> c.getMemory().getWorkingSetBytes().getValue()).sum();
        assertThat(ps.getLinux().getCpu().getUsageCoreNanoSeconds().getValue()).isEqualTo(cpuSum);
        assertThat(ps.getLinux().getMemory().getWorkingSetBytes().getValue()).isEqualTo(memSum);
        assertThat(ps.getLinux().getProcess().getProcessCount().getValue()).isGreaterThanOrEqualTo(2);

        // pods have only loopback until CNI lands: give the pod's netns an interface and see it sampled
        Path pin = d.dir().resolve("run/pods").resolve(pod).resolve("ns/net");
        assertThat(pin).exists();
        for (String cmd : List.of("ip link add eth0 type veth peer name peer0", "ip link set eth0 up",
                "ip link set peer0 up")) {
            Process p = new ProcessBuilder(List.of("sh", "-c", "nsenter --net=" + pin + " " + cmd)).inheritIO().start();
            assertThat(p.waitFor()).as(cmd).isZero();
        }
        PodSandboxStats withNet = await(() -> d.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder()
                .setPodSandboxId(pod).build()).getStats(), s -> s.getLinux().getNetwork().getInterfacesCount() > 0, 3000);
        assertThat(withNet.getLinux().getNetwork().getInterfacesList()).extracting(i -> i.getName())
                .containsExactlyInAnyOrder("eth0", "peer0");
        assertThat(withNet.getLinux().getNetwork().getDefaultInterface().getName()).isEqualTo("eth0");
        assertThat(withNet.getLinux().getNetwork().getTimestamp()).isPositive();

        List<PodSandboxStats> byLabel = d.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.newBuilder()
                .setFilter(PodSandboxStatsFilter.newBuilder().putLabelSelector("tier", "db")).build()).getStatsList();
        assertThat(byLabel).extracting(s -> s.getAttributes().getId()).containsExactly(other);
        assertThat(d.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.newBuilder()
                .setFilter(PodSandboxStatsFilter.newBuilder().setId(pod)).build()).getStatsList())
                .extracting(s -> s.getAttributes().getId()).containsExactly(pod);
    }

    /**
     * critest's and the kubelet's way: stats asked right after CreateContainer and StartContainer, with no
     * wait for the background sampler, must already hold the container (created: present; started: its
     * CPU, memory and writable layer figures), also in the pod's stats; a removed one is gone at once.
     */
    /** Under a memory limit, available_bytes is the limit less the working set, as cAdvisor reports it. */
    @Test
    void availableBytesUnderAMemoryLimit() throws Exception {
        String pod = runPod("limited", "web");
        long limit = 48L << 20;
        String id = d.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod)
                .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("capped"))
                        .setImage(ImageSpec.newBuilder().setImage(IMAGE))
                        .addAllCommand(List.of("/bin/sh", "-c", "sleep 1000")).setLogPath("capped.log")
                        .setLinux(dev.hako.cri.v1.LinuxContainerConfig.newBuilder().setResources(
                                dev.hako.cri.v1.LinuxContainerResources.newBuilder().setMemoryLimitInBytes(limit))))
                .build()).getContainerId();
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        ContainerStats s = await(() -> stats(id), x -> x.getMemory().getWorkingSetBytes().getValue() > 0, 3000);
        var m = s.getMemory();
        assertThat(m.hasAvailableBytes()).isTrue();
        assertThat(m.getAvailableBytes().getValue() + m.getWorkingSetBytes().getValue()).isEqualTo(limit);
    }

    @Test
    void containersAreInTheStatsFromTheMomentTheyExist() {
        String pod = runPod("fresh", "web");
        List<String> created = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            created.add(d.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod)
                    .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c" + i))
                            .setImage(ImageSpec.newBuilder().setImage(IMAGE))
                            .addAllCommand(List.of("/bin/sh", "-c", "sleep 1000")).setLogPath("c" + i + ".log"))
                    .build()).getContainerId());
            assertThat(ids(d.runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance())
                    .getStatsList())).containsAll(created);
        }
        String started = start(pod, "started", "s", "sleep 1000");
        ContainerStats s = d.runtime().listContainerStats(ListContainerStatsRequest.newBuilder().setFilter(
                ContainerStatsFilter.newBuilder().setId(started)).build()).getStats(0);
        assertThat(s.getCpu().getTimestamp()).isPositive();
        assertThat(s.getMemory().getTimestamp()).isPositive();
        assertThat(s.getMemory().getWorkingSetBytes().getValue()).isPositive();
        assertThat(s.getWritableLayer().getTimestamp()).isPositive();
        assertThat(s.getWritableLayer().hasUsedBytes()).isTrue();
        assertThat(stats(started).getCpu().getTimestamp()).isPositive();
        assertThat(d.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder().setPodSandboxId(pod).build())
                .getStats().getLinux().getContainersList()).extracting(c -> c.getAttributes().getId())
                .contains(started).containsAll(created);

        d.runtime().removeContainer(dev.hako.cri.v1.RemoveContainerRequest.newBuilder().setContainerId(created.get(0))
                .build());
        assertThat(ids(d.runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance()).getStatsList()))
                .doesNotContain(created.get(0)).contains(created.get(1), started);
    }

    @Test
    void writableLayerGrows() throws Exception {
        String pod = runPod("layer", "web");
        String id = start(pod, "writer", "w", "sleep 1000");
        ContainerStats before = await(() -> stats(id), s -> s.getWritableLayer().hasUsedBytes(), 3000);
        assertThat(before.getWritableLayer().hasUsedBytes()).isTrue();
        long used = before.getWritableLayer().getUsedBytes().getValue();
        long inodes = before.getWritableLayer().getInodesUsed().getValue();
        var res = d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).setTimeout(10)
                .addAllCmd(List.of("/bin/sh", "-c", "dd if=/dev/zero of=/big bs=1024 count=5120")).build());
        assertThat(res.getExitCode()).as(res.getStderr().toStringUtf8()).isZero();
        // the layer is walked in the background every 10 s
        ContainerStats after = await(() -> stats(id),
                s -> s.getWritableLayer().getUsedBytes().getValue() >= used + 5 * 1024 * 1024, 13_000);
        assertThat(after.getWritableLayer().getUsedBytes().getValue()).isGreaterThanOrEqualTo(used + 5 * 1024 * 1024);
        assertThat(after.getWritableLayer().getInodesUsed().getValue()).isGreaterThan(inodes);
    }

    @Test
    void metrics() throws Exception {
        String pod = runPod("metrics", "web");
        String id = start(pod, "m", "m", "sleep 1000");
        assertThat(d.runtime().listMetricDescriptors(ListMetricDescriptorsRequest.getDefaultInstance())
                .getDescriptorsList()).extracting(MetricDescriptor::getName).contains("container_memory_usage_bytes");
        PodSandboxMetrics m = await(() -> d.runtime().listPodSandboxMetrics(ListPodSandboxMetricsRequest
                        .getDefaultInstance()).getPodMetricsList().stream().filter(x -> x.getPodSandboxId().equals(pod))
                        .findFirst().orElse(PodSandboxMetrics.getDefaultInstance()),
                x -> x.getContainerMetricsCount() == 1 && x.getContainerMetrics(0).getMetricsCount() > 0, 3000);
        assertThat(m.getContainerMetrics(0).getContainerId()).isEqualTo(id);
        assertThat(m.getContainerMetrics(0).getMetricsList()).anySatisfy(x -> {
            assertThat(x.getName()).isEqualTo("container_memory_usage_bytes");
            assertThat(x.getValue().getValue()).isPositive();
        });
    }

    @Test
    void unknownIds() {
        assertThatThrownBy(() -> stats("0123456789abcdef")).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> d.runtime().podSandboxStats(PodSandboxStatsRequest.newBuilder()
                .setPodSandboxId("0123456789abcdef").build())).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    private static List<String> ids(List<ContainerStats> list) {
        return list.stream().map(s -> s.getAttributes().getId()).toList();
    }
}
