package dev.hako.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.container.Container;
import dev.hako.cri.ContainerStatsRpc;
import dev.hako.cri.ListContainerStatsRpc;
import dev.hako.cri.ListMetricDescriptorsRpc;
import dev.hako.cri.ListPodSandboxMetricsRpc;
import dev.hako.cri.ListPodSandboxStatsRpc;
import dev.hako.cri.PodSandboxStatsRpc;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.ContainerMetrics;
import dev.hako.cri.v1.ContainerStats;
import dev.hako.cri.v1.ListMetricDescriptorsRequest;
import dev.hako.cri.v1.ListPodSandboxMetricsRequest;
import dev.hako.cri.v1.MetricDescriptor;
import dev.hako.cri.v1.MetricType;
import dev.hako.cri.v1.PodSandboxMetrics;
import dev.hako.cri.v1.ContainerStatsFilter;
import dev.hako.cri.v1.ContainerStatsRequest;
import dev.hako.cri.v1.ListContainerStatsRequest;
import dev.hako.cri.v1.ListPodSandboxStatsRequest;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.PodSandboxStats;
import dev.hako.cri.v1.PodSandboxStatsRequest;
import dev.hako.error.HakoException;
import dev.hako.spec.PodContext;
import dev.hako.pod.Pod;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sampler against a fake v1 cgroup tree, and the proof that answering a stats call does no I/O:
 * after sampling, the tree is deleted and every source the sampler uses throws, yet the RPCs answer.
 */
class StatsServiceTest {
    @TempDir
    Path tmp;

    final AtomicBoolean sourcesOff = new AtomicBoolean();
    final AtomicInteger sourceCalls = new AtomicInteger();

    private <T> T source(T value) {
        sourceCalls.incrementAndGet();
        if (sourcesOff.get()) {
            throw new AssertionError("a stats call reached a data source");
        }
        return value;
    }

    private Container container(String id, String pod, Map<String, String> labels) {
        ContainerConfig cfg = ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName(id))
                .putAllLabels(labels).build();
        return new Container(id, pod, cfg, "img", "sha256:1", "img@sha256:1", Container.State.RUNNING, Instant.now(),
                Instant.now(), null, null, "", "", 1, tmp.resolve("bundles").resolve(id), tmp.resolve(id + ".log"),
                "runc");
    }

    private Pod pod(String id, Map<String, String> labels) {
        PodSandboxConfig cfg = PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder().setName(id)
                .setNamespace("default").setUid(id)).putAllLabels(labels).build();
        PodContext ctx = new PodContext(id, id, "default", id, id, tmp.resolve("netns-" + id), null, null, null, false,
                null, null, null, null, "", Map.of());
        return new Pod(id, cfg, "runc", Pod.State.READY, Instant.now(), tmp.resolve("pods").resolve(id), ctx);
    }

    private void cgroup(Path root, String id, long cpu, long usage) throws Exception {
        Path c = Files.createDirectories(root.resolve("cpu,cpuacct/hako/hako-" + id));
        Path m = Files.createDirectories(root.resolve("memory/hako/hako-" + id));
        Files.writeString(c.resolve("cpuacct.usage"), cpu + "\n");
        Files.writeString(c.resolve("cgroup.procs"), "1\n2\n");
        Files.writeString(m.resolve("memory.usage_in_bytes"), usage + "\n");
        Files.writeString(m.resolve("memory.stat"), CgroupFilesTest.V1_STAT);
    }

    @Test
    void samplesAndAnswersWithoutIo() throws Exception {
        Path cg = Files.createDirectories(tmp.resolve("cgroup"));
        Path layers = tmp.resolve("layers");
        Files.createDirectories(layers.resolve("a/upper/etc"));
        Files.write(layers.resolve("a/upper/etc/file"), new byte[1000]);
        cgroup(cg, "a", 1_000_000, 100_000);
        cgroup(cg, "b", 2_000_000, 200_000);
        List<Container> cs = List.of(container("a", "p1", Map.of("app", "x")), container("b", "p1", Map.of("app", "y")),
                container("c", "p2", Map.of()));
        List<Pod> ps = List.of(pod("p1", Map.of("tier", "web")), pod("p2", Map.of()));
        String netDev = "eth0: 5000 40 2 0 0 0 0 0 3000 30 1 0 0 0 0 0\n";
        StatsService stats = new StatsService(cg, layers, () -> source(cs), () -> source(ps),
                c -> source(("{\"linux\":{\"cgroupsPath\":\"/hako/hako-" + c.id() + "\"}}").getBytes(StandardCharsets.UTF_8)),
                id -> source(null), id -> source(null), netns -> source(netDev), Duration.ofSeconds(1),
                Duration.ofMillis(1));
        stats.tick();
        Thread.sleep(100);
        cgroup(cg, "a", 101_000_000, 100_000); // 100 ms of CPU in ~100 ms
        stats.tick();
        long deadline = System.currentTimeMillis() + 5000;
        while (stats.container("a").disk() == null && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            stats.tick();
        }

        // from here on every source throws and the files are gone
        sourcesOff.set(true);
        try (Stream<Path> walk = Files.walk(tmp)) {
            walk.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(tmp)).forEach(p -> p.toFile().delete());
        }
        int before = sourceCalls.get();
        Path root = Path.of("/var/lib/hako");
        ContainerStatsRpc containerStatsRpc = new ContainerStatsRpc(stats, root);
        ListContainerStatsRpc listContainerStatsRpc = new ListContainerStatsRpc(stats, root);
        PodSandboxStatsRpc podSandboxStatsRpc = new PodSandboxStatsRpc(stats, root);
        ListPodSandboxStatsRpc listPodSandboxStatsRpc = new ListPodSandboxStatsRpc(stats, root);
        ListMetricDescriptorsRpc listMetricDescriptorsRpc = new ListMetricDescriptorsRpc();
        ListPodSandboxMetricsRpc listPodSandboxMetricsRpc = new ListPodSandboxMetricsRpc(stats);

        ContainerStats a = containerStatsRpc.containerStats(ContainerStatsRequest.newBuilder().setContainerId("a").build()).getStats();
        assertThat(a.getCpu().getUsageCoreNanoSeconds().getValue()).isEqualTo(101_000_000);
        assertThat(a.getCpu().getUsageNanoCores().getValue()).isPositive();
        assertThat(a.getMemory().getWorkingSetBytes().getValue()).isEqualTo(100_000 - 1024);
        assertThat(a.getWritableLayer().getUsedBytes().getValue()).isEqualTo(1000);
        assertThat(a.getWritableLayer().getInodesUsed().getValue()).isEqualTo(3); // upper, etc, file
        assertThat(a.getWritableLayer().getFsId().getMountpoint()).isEqualTo("/var/lib/hako");

        assertThat(listContainerStatsRpc.listContainerStats(ListContainerStatsRequest.getDefaultInstance()).getStatsList()).hasSize(3);
        assertThat(ids(listContainerStatsRpc.listContainerStats(ListContainerStatsRequest.newBuilder().setFilter(ContainerStatsFilter
                .newBuilder().setPodSandboxId("p1")).build()).getStatsList())).containsExactly("a", "b");
        assertThat(ids(listContainerStatsRpc.listContainerStats(ListContainerStatsRequest.newBuilder().setFilter(ContainerStatsFilter
                .newBuilder().putLabelSelector("app", "y")).build()).getStatsList())).containsExactly("b");

        PodSandboxStats p1 = podSandboxStatsRpc.podSandboxStats(PodSandboxStatsRequest.newBuilder().setPodSandboxId("p1").build())
                .getStats();
        assertThat(p1.getLinux().getCpu().getUsageCoreNanoSeconds().getValue()).isEqualTo(103_000_000);
        assertThat(p1.getLinux().getMemory().getUsageBytes().getValue()).isEqualTo(300_000);
        assertThat(p1.getLinux().getProcess().getProcessCount().getValue()).isEqualTo(4);
        assertThat(p1.getLinux().getContainersList()).hasSize(2);
        assertThat(p1.getLinux().getNetwork().getDefaultInterface().getRxBytes().getValue()).isEqualTo(5000);
        assertThat(p1.getLinux().getNetwork().getDefaultInterface().getTxErrors().getValue()).isEqualTo(1);
        assertThat(listPodSandboxStatsRpc.listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance()).getStatsList()).hasSize(2);

        assertThat(listMetricDescriptorsRpc.listMetricDescriptors(ListMetricDescriptorsRequest.getDefaultInstance()).getDescriptorsList())
                .extracting(MetricDescriptor::getName)
                .contains("container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
                        "container_network_receive_bytes_total");
        PodSandboxMetrics m1 = listPodSandboxMetricsRpc.listPodSandboxMetrics(ListPodSandboxMetricsRequest.getDefaultInstance())
                .getPodMetricsList().stream().filter(m -> m.getPodSandboxId().equals("p1")).findFirst().orElseThrow();
        assertThat(m1.getMetricsList()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("container_network_receive_bytes_total");
            assertThat(m.getLabelValuesList()).containsExactly("eth0");
            assertThat(m.getValue().getValue()).isEqualTo(5000);
        });
        assertThat(m1.getContainerMetricsList()).extracting(ContainerMetrics::getContainerId).containsExactly("a", "b");
        assertThat(m1.getContainerMetrics(0).getMetricsList()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo("container_memory_working_set_bytes");
            assertThat(m.getMetricType()).isEqualTo(MetricType.GAUGE);
            assertThat(m.getValue().getValue()).isEqualTo(100_000 - 1024);
        });
        assertThat(sourceCalls.get()).isEqualTo(before);
    }

    /** Containers reported by the container service are answered before any round has seen them. */
    @Test
    void trackedContainersAppearAtOnceAndSurviveARoundThatBeganBefore() throws Exception {
        Path cg = Files.createDirectories(tmp.resolve("cgroup"));
        cgroup(cg, "a", 5_000_000, 50_000);
        Pod p1 = pod("p1", Map.of());
        java.util.concurrent.atomic.AtomicReference<List<Container>> live = new java.util.concurrent.atomic.AtomicReference<>(List.of());
        java.util.concurrent.atomic.AtomicReference<Runnable> duringList = new java.util.concurrent.atomic.AtomicReference<>(() -> {});
        StatsService stats = new StatsService(cg, tmp.resolve("layers"), () -> {
            List<Container> now = live.get();
            duringList.get().run(); // an event right after the round listed the containers
            return now;
        }, () -> List.of(p1),
                c -> ("{\"linux\":{\"cgroupsPath\":\"/hako/hako-" + c.id() + "\"}}").getBytes(StandardCharsets.UTF_8),
                id -> { throw HakoException.notFound("container " + id); }, id -> p1, n -> "", Duration.ofSeconds(1),
                Duration.ofSeconds(10));
        stats.tick();
        Container a = container("a", "p1", Map.of());
        duringList.set(() -> stats.track(a));
        stats.tick(); // listed before "a" existed, published after it was tracked
        duringList.set(() -> {});
        assertThat(stats.containers()).extracting(s -> s.container().id()).containsExactly("a");
        assertThat(stats.container("a").cgroup().cpuNanos()).isEqualTo(5_000_000);
        assertThat(stats.pod("p1").containers()).hasSize(1);
        assertThat(stats.pod("p1").sum().cpuNanos()).isEqualTo(5_000_000);

        live.set(List.of(a));
        stats.tick();
        duringList.set(() -> stats.forget(a));
        stats.tick(); // listed "a", published after it was removed
        assertThat(stats.containers()).isEmpty();
        assertThat(stats.pod("p1").containers()).isEmpty();
    }

    @Test
    void unknownIdsAskTheServices() {
        StatsService stats = new StatsService(tmp, tmp, List::of, List::of, c -> new byte[0],
                id -> { throw HakoException.notFound("container " + id); },
                id -> { throw HakoException.notFound("pod " + id); }, n -> "", Duration.ofSeconds(1), Duration.ofSeconds(1));
        stats.tick();
        assertThatThrownBy(() -> stats.container("nope")).isInstanceOfSatisfying(HakoException.class,
                e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.NOT_FOUND));
        assertThatThrownBy(() -> stats.pod("nope")).isInstanceOfSatisfying(HakoException.class,
                e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.NOT_FOUND));
    }

    private static List<String> ids(List<ContainerStats> list) {
        return list.stream().map(s -> s.getAttributes().getId()).toList();
    }
}
