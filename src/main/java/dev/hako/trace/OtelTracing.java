package dev.hako.trace;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The OpenTelemetry SDK behind {@link Trace}, loaded only when {@code [tracing] endpoint} is set. Spans
 * leave through a batch processor with a bounded queue: ending a span never waits for the collector, and
 * spans beyond the queue are dropped while it is away. The sampler is parent-based, so a call that arrives
 * with the kubelet's {@code traceparent} is recorded exactly when the kubelet's trace is.
 */
final class OtelTracing {
    /** OpenTelemetry's own log lines (each failed export at SEVERE); {@link ExportFailures} says it instead. */
    private static final Logger OTEL_LOGS = Logger.getLogger("io.opentelemetry");
    private static final int QUEUE = 2048;

    private static final TextMapGetter<Function<String, String>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Function<String, String> carrier) {
            return List.of("traceparent", "tracestate");
        }

        @Override
        public String get(Function<String, String> carrier, String key) {
            return carrier == null ? null : carrier.apply(key);
        }
    };

    private final SdkTracerProvider provider;
    private final Tracer tracer;

    private OtelTracing(SdkTracerProvider provider) {
        this.provider = provider;
        this.tracer = provider.get("dev.hako");
    }

    static OtelTracing start(String tracesUrl, long perMillion, String version) {
        OTEL_LOGS.setLevel(Level.OFF);
        OtlpHttpSpanExporter otlp = OtlpHttpSpanExporter.builder()
                .setEndpoint(tracesUrl)
                .setConnectTimeout(Duration.ofSeconds(2))
                .setTimeout(Duration.ofSeconds(5))
                .build();
        BatchSpanProcessor batches = BatchSpanProcessor.builder(new ExportFailures(otlp, tracesUrl))
                .setMaxQueueSize(QUEUE)
                .setScheduleDelay(Duration.ofSeconds(1))
                .build();
        Resource resource = Resource.create(Attributes.of(
                AttributeKey.stringKey("service.name"), "hako",
                AttributeKey.stringKey("service.version"), version));
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(resource)
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(perMillion / 1_000_000.0)))
                .addSpanProcessor(batches)
                .build();
        return new OtelTracing(provider);
    }

    /** A server span named after the gRPC method, child of the caller's span when the call carries one. */
    Object server(String fullMethod, Function<String, String> header) {
        Context caller = W3CTraceContextPropagator.getInstance().extract(Context.root(), header, HEADERS);
        int slash = fullMethod.indexOf('/');
        return tracer.spanBuilder(fullMethod)
                .setParent(caller)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("rpc.system", "grpc")
                .setAttribute("rpc.service", slash < 0 ? fullMethod : fullMethod.substring(0, slash))
                .setAttribute("rpc.method", slash < 0 ? fullMethod : fullMethod.substring(slash + 1))
                .startSpan();
    }

    Object child(String name, Object parent) {
        return tracer.spanBuilder(name).setParent(Context.root().with((Span) parent)).startSpan();
    }

    static void attribute(Object span, String key, String value) {
        ((Span) span).setAttribute(key, value);
    }

    static void attribute(Object span, String key, long value) {
        ((Span) span).setAttribute(key, value);
    }

    static void failed(Object span, Throwable t) {
        Span s = (Span) span;
        s.recordException(t);
        s.setStatus(StatusCode.ERROR, t.getMessage() == null ? t.toString() : t.getMessage());
    }

    static void status(Object span, int code, String description) {
        Span s = (Span) span;
        s.setAttribute("rpc.grpc.status_code", code);
        if (code != 0) {
            s.setStatus(StatusCode.ERROR, description == null ? "" : description);
        }
    }

    static void end(Object span) {
        ((Span) span).end();
    }

    /** Exports what is queued (a few seconds at most: a missing collector must not hold up the stop). */
    void shutdown() {
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }
}
