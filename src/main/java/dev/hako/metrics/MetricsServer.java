package dev.hako.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Plain HTTP on {@code host:port} serving {@code /metrics} in the Prometheus text format (the library's
 * server also answers {@code /} and {@code /-/healthy}). Scrapes run on virtual threads.
 */
public final class MetricsServer implements AutoCloseable {
    private final HTTPServer server;
    private final String host;

    private MetricsServer(HTTPServer server, String host) {
        this.server = server;
        this.host = host;
    }

    /**
     * Turns recording on and serves it on {@code host:port} ({@code port} 0 picks a free one).
     *
     * @throws IOException when the address cannot be bound (taken, or not this host's)
     */
    public static MetricsServer start(String host, int port) throws IOException {
        Metrics.enable();
        ExecutorService scrapes = Executors.newVirtualThreadPerTaskExecutor();
        try {
            HTTPServer server = HTTPServer.builder().hostname(host).port(port).registry(Families.REGISTRY)
                    .executorService(scrapes).buildAndStart();
            return new MetricsServer(server, host);
        } catch (IOException | RuntimeException e) {
            scrapes.shutdownNow();
            throw e;
        }
    }

    /** {@code host:port} as bound (bracketed for IPv6). */
    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + server.getPort();
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
