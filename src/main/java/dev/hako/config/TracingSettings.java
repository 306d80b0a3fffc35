package dev.hako.config;

/**
 * The {@code [tracing]} table: an OTLP/HTTP base URL ({@code http://127.0.0.1:4318}) that spans are
 * POSTed to (at {@code /v1/traces}), or empty for no export; and how many of a million new traces are
 * sampled (as CRI-O's {@code tracing_sampling_rate_per_million}). A trace the kubelet started keeps
 * the kubelet's decision, whatever the rate.
 */
public record TracingSettings(String endpoint, long samplingRatePerMillion) {
    public static final long ALL = 1_000_000;

    public static TracingSettings off() {
        return new TracingSettings("", ALL);
    }

    public boolean enabled() {
        return !endpoint.isEmpty();
    }

    /** Where spans go: the endpoint with {@code /v1/traces}, the OTLP/HTTP path for traces. */
    public String tracesUrl() {
        return (endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint) + "/v1/traces";
    }
}
