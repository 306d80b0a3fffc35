package dev.hako.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import dev.hako.testing.PromText;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The families' names, labels and exposition, read back in the Prometheus text format (metrics are global). */
class MetricsTest {
    @BeforeAll
    static void on() {
        Metrics.enable();
    }

    @Test
    void tallyCountsByStateAndHandlerInAStableOrder() {
        record Item(String state, String handler) {}
        List<Item> items = List.of(new Item("running", "runc"), new Item("exited", "runc"),
                new Item("running", "runc"), new Item("running", "crun"));
        assertThat(Metrics.tally(items, Item::state, Item::handler)).containsExactly(
                new Metrics.StateCount("exited", "runc", 1),
                new Metrics.StateCount("running", "crun", 1),
                new Metrics.StateCount("running", "runc", 2));
    }

    @Test
    void callsAndPhasesAreExposedWithHelpTypeAndLabels() {
        double before = PromText.parse(Families.text()).value("hako_grpc_requests_total",
                Map.of("method", "Version", "code", "OK"));
        Metrics.rpc("Version", "OK", Metrics.now());
        Metrics.rpc("PodSandboxStatus", "NOT_FOUND", Metrics.now());
        Metrics.podStartPhase("network", "runc", Metrics.now());
        PromText t = PromText.parse(Families.text());

        assertThat(t.type("hako_grpc_requests_total")).isEqualTo("counter");
        assertThat(t.help("hako_grpc_requests_total")).contains("by method and gRPC status code");
        assertThat(t.value("hako_grpc_requests_total", Map.of("method", "Version", "code", "OK"))).isEqualTo(before + 1);
        assertThat(t.value("hako_grpc_requests_total", Map.of("method", "PodSandboxStatus", "code", "NOT_FOUND")))
                .isGreaterThanOrEqualTo(1);
        assertThat(t.type("hako_grpc_request_duration_seconds")).isEqualTo("histogram");
        assertThat(t.value("hako_grpc_request_duration_seconds_bucket",
                Map.of("method", "Version", "code", "OK", "le", "+Inf"))).isGreaterThanOrEqualTo(1);
        assertThat(t.type("hako_pod_start_phase_duration_seconds")).isEqualTo("histogram");
        assertThat(t.value("hako_pod_start_phase_duration_seconds_count", Map.of("phase", "network", "handler", "runc")))
                .isGreaterThanOrEqualTo(1);
    }

    @Test
    void pullsCountFailuresByTheirGrpcCodeAndBytes() {
        assertThat(Metrics.imagePull(() -> "sha256:abc")).isEqualTo("sha256:abc");
        Metrics.imagePullBytes(1234);
        assertThatThrownBy(() -> Metrics.imagePull(() -> {
            throw HakoException.notFound("image \"nope\" not found");
        })).isInstanceOf(HakoException.class);
        assertThatThrownBy(() -> Metrics.imagePull(() -> {
            throw new IllegalStateException("a bug");
        })).isInstanceOf(IllegalStateException.class);
        PromText t = PromText.parse(Families.text());
        assertThat(t.value("hako_image_pulls_total", Map.of())).isGreaterThanOrEqualTo(1);
        assertThat(t.value("hako_image_pull_bytes_total", Map.of())).isGreaterThanOrEqualTo(1234);
        assertThat(t.value("hako_image_pull_failures_total", Map.of("reason", "NOT_FOUND"))).isGreaterThanOrEqualTo(1);
        assertThat(t.value("hako_image_pull_failures_total", Map.of("reason", "INTERNAL"))).isGreaterThanOrEqualTo(1);
        assertThat(t.value("hako_image_pull_duration_seconds_count", Map.of())).isGreaterThanOrEqualTo(1);
    }

    @Test
    void cniOperationsCountErrorsAndRethrowCheckedExceptions() {
        Metrics.cniRun("del", () -> {});
        assertThatThrownBy(() -> Metrics.cni("add", () -> {
            throw new IOException("plugin bridge failed");
        })).isInstanceOf(IOException.class).hasMessage("plugin bridge failed");
        Metrics.processFailure("conmon", "runc", "create");
        Metrics.oomKill("crun");
        PromText t = PromText.parse(Families.text());
        assertThat(t.value("hako_network_plugin_operations_total", Map.of("operation", "del"))).isGreaterThanOrEqualTo(1);
        assertThat(t.value("hako_network_plugin_operations_errors_total", Map.of("operation", "add")))
                .isGreaterThanOrEqualTo(1);
        assertThat(t.value("hako_network_plugin_operations_duration_seconds_count", Map.of("operation", "add")))
                .isGreaterThanOrEqualTo(1);
        assertThat(t.value("hako_process_failures_total",
                Map.of("process", "conmon", "handler", "runc", "operation", "create"))).isGreaterThanOrEqualTo(1);
        assertThat(t.value("hako_containers_oom_total", Map.of("handler", "crun"))).isGreaterThanOrEqualTo(1);
    }

    @Test
    void theJvmFiguresAreThere() {
        PromText t = PromText.parse(Families.text());
        assertThat(t.value("jvm_memory_used_bytes", Map.of("area", "heap"))).isGreaterThan(0);
        assertThat(t.type("jvm_threads_current")).isEqualTo("gauge");
        assertThat(t.families()).anyMatch(f -> f.startsWith("jvm_gc_collection_seconds"));
    }

    @Test
    void theServerAnswersMetricsOverHttpAndATakenPortIsAnError() throws Exception {
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0)) {
            assertThat(server.address()).isEqualTo("127.0.0.1:" + server.port());
            HttpResponse<String> r = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build().send(
                    HttpRequest.newBuilder(URI.create("http://" + server.address() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            assertThat(PromText.parse(r.body()).type("hako_image_pulls_total")).isEqualTo("counter");
            assertThatThrownBy(() -> MetricsServer.start("127.0.0.1", server.port())).isInstanceOf(IOException.class);
        }
    }
}
