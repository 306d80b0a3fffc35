package dev.hako.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * Every metric family Hako exports, in its own registry. Loaded on first use only, which {@link Metrics}
 * allows once metrics are on: a daemon without {@code [metrics] address} never loads the library.
 */
final class Families {
    private Families() {}

    static final PrometheusRegistry REGISTRY = new PrometheusRegistry();

    /** Calls answer within milliseconds; pulls and slow starts take up to minutes. */
    private static final double[] CALL_SECONDS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
    private static final double[] PHASE_SECONDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    private static final double[] PULL_SECONDS = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};

    static final Counter RPC_REQUESTS = Counter.builder().name("hako_grpc_requests_total")
            .help("CRI (and admin) gRPC calls finished, by method and gRPC status code")
            .labelNames("method", "code").register(REGISTRY);
    static final Histogram RPC_DURATION = Histogram.builder().name("hako_grpc_request_duration_seconds")
            .help("Time from a gRPC call's arrival to its answer, by method and gRPC status code")
            .labelNames("method", "code").classicOnly().classicUpperBounds(CALL_SECONDS).register(REGISTRY);

    static final Histogram POD_START_PHASE = Histogram.builder().name("hako_pod_start_phase_duration_seconds")
            .help("Duration of each successful pod-start phase: sandbox (all of RunPodSandbox), network (CNI ADD), "
                    + "infra (infra container), create (CreateContainer), start (StartContainer)")
            .labelNames("phase", "handler").classicOnly().classicUpperBounds(PHASE_SECONDS).register(REGISTRY);

    static final Counter IMAGE_PULLS = Counter.builder().name("hako_image_pulls_total")
            .help("Image pulls that succeeded (including those that found the image up to date)").register(REGISTRY);
    static final Counter IMAGE_PULL_FAILURES = Counter.builder().name("hako_image_pull_failures_total")
            .help("Image pulls that failed, by reason (the gRPC code answered)")
            .labelNames("reason").register(REGISTRY);
    static final Counter IMAGE_PULL_BYTES = Counter.builder().name("hako_image_pull_bytes_total")
            .help("Size of the images pulled (config and compressed layers, as the manifest gives them; layers already present count too)").register(REGISTRY);
    static final Histogram IMAGE_PULL_DURATION = Histogram.builder().name("hako_image_pull_duration_seconds")
            .help("Duration of successful image pulls").classicOnly().classicUpperBounds(PULL_SECONDS)
            .register(REGISTRY);

    static final Counter CNI_OPERATIONS = Counter.builder().name("hako_network_plugin_operations_total")
            .help("CNI operations run, by operation (add, del)").labelNames("operation").register(REGISTRY);
    static final Counter CNI_ERRORS = Counter.builder().name("hako_network_plugin_operations_errors_total")
            .help("CNI operations that failed, by operation (add, del)").labelNames("operation").register(REGISTRY);
    static final Histogram CNI_DURATION = Histogram.builder().name("hako_network_plugin_operations_duration_seconds")
            .help("Duration of CNI operations (every plugin of the network), by operation (add, del)")
            .labelNames("operation").classicOnly().classicUpperBounds(PHASE_SECONDS).register(REGISTRY);

    static final Counter PROCESS_FAILURES = Counter.builder().name("hako_process_failures_total")
            .help("conmon or OCI runtime runs that failed, by process (conmon, runtime), runtime handler and operation")
            .labelNames("process", "handler", "operation").register(REGISTRY);
    static final Counter OOM_KILLS = Counter.builder().name("hako_containers_oom_total")
            .help("Containers whose exit the kernel's OOM killer caused, by runtime handler")
            .labelNames("handler").register(REGISTRY);

    static {
        JvmMemoryMetrics.builder().register(REGISTRY);
        JvmGarbageCollectorMetrics.builder().register(REGISTRY);
        JvmThreadsMetrics.builder().register(REGISTRY);
    }

    private static boolean stateGaugesRegistered;

    static synchronized void stateGauges(Supplier<List<Metrics.StateCount>> pods,
                                         Supplier<List<Metrics.StateCount>> containers) {
        if (stateGaugesRegistered) {
            throw new IllegalStateException("the pod and container counts are registered already");
        }
        stateGaugesRegistered = true;
        GaugeWithCallback.builder().name("hako_pods")
                .help("Pod sandboxes by state (ready, notready) and runtime handler")
                .labelNames("state", "handler")
                .callback(cb -> pods.get().forEach(s -> cb.call(s.count(), s.state(), s.handler())))
                .register(REGISTRY);
        GaugeWithCallback.builder().name("hako_containers")
                .help("Containers by state (created, running, exited, unknown) and runtime handler")
                .labelNames("state", "handler")
                .callback(cb -> containers.get().forEach(s -> cb.call(s.count(), s.state(), s.handler())))
                .register(REGISTRY);
    }

    /** Every family in the Prometheus text format, as a scrape would read it. */
    static String text() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, REGISTRY.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
