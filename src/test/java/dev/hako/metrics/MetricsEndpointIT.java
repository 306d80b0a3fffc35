package dev.hako.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.admin.v1.AdminGrpc;
import dev.hako.admin.v1.ImportRequest;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PromText;
import dev.hako.testing.image.TestImage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code [metrics] address} on a real daemon: scraped over HTTP and parsed as the Prometheus text format. */
class MetricsEndpointIT {
    private static final String IMAGE = "example.com/test/busybox:1";

    @Test
    void aPodAContainerAndAFailedCallShowInTheScrape() throws Exception {
        int port = freePort();
        try (DaemonProcess d = DaemonProcess.withConfig("[metrics]\naddress = \"127.0.0.1:" + port + "\"\n").start()) {
            assertThat(d.log()).contains("serving metrics").contains("127.0.0.1:" + port);
            Path tar = d.dir().resolve("busybox.tar");
            TestImage.builder().layer(TestImage.busyboxLayer()).build().writeOciLayout(tar, IMAGE);
            AdminGrpc.newBlockingStub(d.channel()).importImages(ImportRequest.newBuilder().setPath(tar.toString()).build());
            Files.delete(tar);

            String pod = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(PodSandboxConfig.newBuilder()
                    .setMetadata(PodSandboxMetadata.newBuilder().setName("metrics").setNamespace("default").setUid("metrics-uid"))
                    .setHostname("metrics").setLogDirectory(d.dir().resolve("logs").resolve("metrics").toString()))
                    .build()).getPodSandboxId();
            String ctr = d.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod)
                    .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("sleep"))
                            .setImage(ImageSpec.newBuilder().setImage(IMAGE))
                            .addAllCommand(List.of("/bin/sh", "-c", "sleep 1000")).setLogPath("sleep/0.log"))
                    .build()).getContainerId();
            d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(ctr).build());
            // a failed call, and a failed pull (nothing listens on port 9)
            assertThatThrownBy(() -> d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                    .setPodSandboxId("0123456789abcdef").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
            assertThatThrownBy(() -> d.image().pullImage(PullImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage("127.0.0.1:9/none/nothing:1")).build()))
                    .isInstanceOf(StatusRuntimeException.class);

            HttpResponse<String> r = scrape("127.0.0.1:" + port);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            PromText t = PromText.parse(r.body());

            for (String family : List.of("hako_grpc_requests_total", "hako_grpc_request_duration_seconds",
                    "hako_pods", "hako_containers", "hako_pod_start_phase_duration_seconds", "hako_image_pulls_total",
                    "hako_image_pull_failures_total", "hako_image_pull_bytes_total", "hako_image_pull_duration_seconds",
                    "jvm_memory_used_bytes", "jvm_threads_current", "jvm_gc_collection_seconds")) {
                assertThat(t.type(family)).as("# TYPE of " + family).isNotNull();
                assertThat(t.help(family)).as("# HELP of " + family).isNotBlank();
            }
            assertThat(t.type("hako_grpc_requests_total")).isEqualTo("counter");
            assertThat(t.type("hako_grpc_request_duration_seconds")).isEqualTo("histogram");
            assertThat(t.type("hako_pods")).isEqualTo("gauge");

            assertThat(t.value("hako_grpc_requests_total", Map.of("method", "RunPodSandbox", "code", "OK"))).isEqualTo(1);
            assertThat(t.value("hako_grpc_requests_total", Map.of("method", "StartContainer", "code", "OK"))).isEqualTo(1);
            assertThat(t.value("hako_grpc_requests_total", Map.of("method", "PodSandboxStatus", "code", "NOT_FOUND")))
                    .isEqualTo(1);
            assertThat(t.value("hako_grpc_request_duration_seconds_count",
                    Map.of("method", "CreateContainer", "code", "OK"))).isEqualTo(1);
            assertThat(t.value("hako_grpc_request_duration_seconds_bucket",
                    Map.of("method", "CreateContainer", "code", "OK", "le", "+Inf"))).isEqualTo(1);

            assertThat(sum(t.matching("hako_pods", Map.of("state", "ready")))).isEqualTo(1);
            assertThat(t.matching("hako_pods", Map.of("state", "ready")).getFirst().labels()).containsKey("handler");
            assertThat(sum(t.matching("hako_containers", Map.of("state", "running")))).isEqualTo(1);
            for (String phase : List.of("sandbox", "create", "start")) {
                assertThat(sum(t.matching("hako_pod_start_phase_duration_seconds_count", Map.of("phase", phase))))
                        .as("phase " + phase).isEqualTo(1);
            }
            assertThat(sum(t.matching("hako_image_pull_failures_total", Map.of()))).isEqualTo(1);
            assertThat(t.value("jvm_memory_used_bytes", Map.of("area", "heap"))).isGreaterThan(0);
            assertThat(t.value("jvm_threads_current", Map.of())).isGreaterThan(0);

            // counters move between scrapes
            d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build());
            PromText again = PromText.parse(scrape("127.0.0.1:" + port).body());
            assertThat(again.value("hako_grpc_requests_total", Map.of("method", "PodSandboxStatus", "code", "OK")))
                    .isEqualTo(t.value("hako_grpc_requests_total", Map.of("method", "PodSandboxStatus", "code", "OK")) + 1);
        }
    }

    @Test
    void offByDefaultNothingBeyondTheStreamServerListens() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("").start()) {
            assertThat(d.log()).doesNotContain("serving metrics");
            // the stream server is the daemon's only TCP listener
            assertThat(listeningTcpPorts(d.process().pid())).hasSize(1);
        }
    }

    @Test
    void aTakenAddressStopsStartUpNamingIt() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             DaemonProcess d = DaemonProcess.withConfig("[metrics]\naddress = \"127.0.0.1:" + taken.getLocalPort() + "\"\n")) {
            assertThatThrownBy(d::start).hasMessageContaining("cannot start the metrics server on 127.0.0.1:"
                    + taken.getLocalPort());
            assertThat(d.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(d.process().exitValue()).isNotZero();
        }
    }

    private static HttpResponse<String> scrape(String address) throws IOException, InterruptedException {
        return HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build().send(
                HttpRequest.newBuilder(URI.create("http://" + address + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double sum(List<PromText.Sample> samples) {
        return samples.stream().mapToDouble(PromText.Sample::value).sum();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** TCP ports process {@code pid} listens on, from its socket fds and /proc/net/tcp{,6}. */
    private static Set<Integer> listeningTcpPorts(long pid) throws IOException {
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // fds come and go
                }
            }
        }
        Set<Integer> ports = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            for (String line : Files.readAllLines(Path.of(table)).stream().skip(1).toList()) {
                String[] f = line.trim().split("\\s+");
                if (f[3].equals("0A") && inodes.contains(f[9])) { // 0A: LISTEN
                    ports.add(Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16));
                }
            }
        }
        return ports;
    }
}
