package dev.hako.config;

/**
 * The {@code [metrics]} table: a {@code host:port} for the Prometheus endpoint, or empty for none.
 * {@code ":port"} means the loopback address 127.0.0.1; an IPv6 host is bracketed ({@code "[::1]:9090"}).
 */
public record MetricsSettings(String address) {
    public static final String DEFAULT_HOST = "127.0.0.1";

    public boolean enabled() {
        return !address.isEmpty();
    }

    /** The host to bind, brackets removed; 127.0.0.1 when the address gives only {@code :port}. */
    public String host() {
        String h = address.substring(0, address.lastIndexOf(':'));
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.isEmpty() ? DEFAULT_HOST : h;
    }

    public int port() {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}
