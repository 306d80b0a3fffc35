package dev.hako.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code [stream]} table: the exec/attach/port-forward server's bind address (port 0 picks a free port),
 * optional TLS (PEM certificate and key, both or neither), how long a stream may stay silent before it is closed,
 * how many sessions may run at once, and how long and how many connections may wait before their request:
 * a connection must have sent its whole HTTP request (after TLS) within {@code requestTimeout}, and at most
 * {@code maxPendingConnections} may be waiting at once; more are closed as they come.
 */
public record StreamSettings(String address, int port, Path tlsCert, Path tlsKey, Duration idleTimeout, int maxSessions,
                             Duration requestTimeout, int maxPendingConnections) {
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofHours(4);
    public static final int DEFAULT_MAX_SESSIONS = 100;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    public static final int DEFAULT_MAX_PENDING_CONNECTIONS = 128;

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|h|m|s)");

    public StreamSettings {
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new IllegalArgumentException("tls_cert and tls_key must be set together");
        }
        if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("stream idle timeout must be positive");
        }
        if (maxSessions < 1) {
            throw new IllegalArgumentException("max_sessions must be at least 1");
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("request_timeout must be positive");
        }
        if (maxPendingConnections < 1) {
            throw new IllegalArgumentException("max_pending_connections must be at least 1");
        }
    }

    public StreamSettings(String address, int port, Path tlsCert, Path tlsKey, Duration idleTimeout, int maxSessions) {
        this(address, port, tlsCert, tlsKey, idleTimeout, maxSessions, DEFAULT_REQUEST_TIMEOUT,
                DEFAULT_MAX_PENDING_CONNECTIONS);
    }

    public StreamSettings(String address, int port) {
        this(address, port, null, null, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_SESSIONS);
    }

    public boolean tls() {
        return tlsCert != null;
    }

    /** Go-style durations as Kubernetes configs write them: "4h", "30m", "90s", "1h30m", "500ms". */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION_PART.matcher(text);
        Duration total = Duration.ZERO;
        int at = 0;
        while (at < text.length() && m.find(at) && m.start() == at) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            at = m.end();
        }
        if (text.isEmpty() || at != text.length()) {
            throw new IllegalArgumentException("is not a duration like \"4h\", \"30m\" or \"90s\"");
        }
        if (total.isZero()) {
            throw new IllegalArgumentException("must be longer than zero");
        }
        return total;
    }

    static String formatDuration(Duration d) {
        StringBuilder out = new StringBuilder();
        if (d.toHours() > 0) out.append(d.toHours()).append('h');
        if (d.toMinutesPart() > 0) out.append(d.toMinutesPart()).append('m');
        if (d.toSecondsPart() > 0) out.append(d.toSecondsPart()).append('s');
        if (d.toMillisPart() > 0) out.append(d.toMillisPart()).append("ms");
        return out.isEmpty() ? "0s" : out.toString();
    }
}
