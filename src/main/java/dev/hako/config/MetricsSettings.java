package dev.hako.config;

/** The {@code [metrics]} table: a {@code host:port} for the Prometheus endpoint, or empty for none. */
public record MetricsSettings(String address) {
    public boolean enabled() {
        return !address.isEmpty();
    }
}
