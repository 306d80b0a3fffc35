package dev.hako.image.registry;

import dev.hako.BuildInfo;
import dev.hako.error.HakoException.Kind;
import dev.hako.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;

/** Small HTTP helpers shared by the registry client and its token fetcher. */
final class Http {
    static final String USER_AGENT = BuildInfo.NAME + "/" + BuildInfo.VERSION;
    /** Error bodies are read only this far: enough for the registry's JSON error, not for abuse. */
    static final int MAX_ERROR_BODY = 64 * 1024;

    private Http() {}

    static String status(int code) {
        String reason = switch (code) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 408 -> "Request Timeout";
            case 416 -> "Range Not Satisfiable";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> null;
        };
        return reason == null ? "HTTP " + code : code + " " + reason;
    }

    static boolean isRedirect(int code) {
        return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
    }

    /** 5xx and 429 are worth retrying; other statuses will not change on a second try. */
    static boolean isTransient(int code) {
        return code >= 500 || code == 429 || code == 408;
    }

    static Kind kindOf(int code) {
        return switch (code) {
            case 401 -> Kind.UNAUTHENTICATED;
            case 403 -> Kind.PERMISSION_DENIED;
            case 404 -> Kind.NOT_FOUND;
            default -> Kind.UNAVAILABLE;
        };
    }

    /** The outcome of a non-2xx response, with the registry's own error message when it sent one. */
    static EndpointFailure statusFailure(HttpResponse<InputStream> r, String hint) {
        String message = registryMessage(readErrorBody(r));
        StringBuilder outcome = new StringBuilder(status(r.statusCode()));
        if (message != null || hint != null) {
            outcome.append(" (");
            if (message != null) {
                outcome.append(message);
            }
            if (hint != null) {
                outcome.append(message != null ? "; " : "").append(hint);
            }
            outcome.append(')');
        }
        return new EndpointFailure(outcome.toString(), kindOf(r.statusCode()), isTransient(r.statusCode()));
    }

    /** Reads up to {@code limit} bytes; null when the stream holds more. */
    static byte[] readAtMost(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 16 * 1024));
        byte[] buf = new byte[16 * 1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
            if (out.size() + n > limit) {
                return null;
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    static byte[] readErrorBody(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            return in.readNBytes(MAX_ERROR_BODY);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** Closes a response we do not need; the connection is dropped rather than drained. */
    static void discard(HttpResponse<InputStream> r) {
        try {
            r.body().close();
        } catch (IOException e) {
            // nothing to do: the response is abandoned anyway
        }
    }

    /**
     * The first {@code errors[].message} (or code) of a distribution-spec error body, shortened and
     * stripped of control characters; null when the body is not such a document.
     */
    static String registryMessage(byte[] body) {
        if (body == null || body.length == 0) {
            return null;
        }
        try {
            Map<String, Object> doc = Json.parseObject(new String(body, java.nio.charset.StandardCharsets.UTF_8));
            if (doc.get("errors") instanceof List<?> errors && !errors.isEmpty() && errors.getFirst() instanceof Map<?, ?> e) {
                Object text = e.get("message") instanceof String m && !m.isBlank() ? m : e.get("code");
                if (text instanceof String t) {
                    String clean = t.replaceAll("\\p{Cntrl}", " ").strip();
                    return clean.length() > 200 ? clean.substring(0, 200) + "…" : clean;
                }
            }
        } catch (IllegalArgumentException e) {
            // not JSON: say nothing rather than echo arbitrary text
        }
        return null;
    }

    static boolean isTls(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    /** The outcome of an I/O failure; TLS failures are final since they do not heal by retrying. */
    static EndpointFailure ioFailure(IOException e, Duration connectTimeout, Duration headersTimeout, String host) {
        if (e instanceof HttpConnectTimeoutException) {
            return new EndpointFailure("connect timed out after " + seconds(connectTimeout), Kind.UNAVAILABLE, true);
        }
        if (e instanceof HttpTimeoutException) {
            return new EndpointFailure("no response within " + seconds(headersTimeout), Kind.UNAVAILABLE, true);
        }
        if (isTls(e)) {
            String why = rootMessage(e);
            if (why.contains("PKIX") || why.contains("certificat") || why.contains("subject alternative")) {
                why = "server certificate not trusted (" + why + "); set ca_file (or insecure) in [image.registries.\""
                        + host + "\"] if this certificate is expected";
            }
            return new EndpointFailure("TLS handshake failed: " + why, Kind.UNAVAILABLE, false);
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                String m = c.getMessage();
                return new EndpointFailure(m == null || m.isBlank() ? "connection refused" : "cannot connect: " + m,
                        Kind.UNAVAILABLE, true);
            }
        }
        return new EndpointFailure("I/O error: " + rootMessage(e), Kind.UNAVAILABLE, true);
    }

    private static String rootMessage(Throwable t) {
        String last = t.toString();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                last = c.getMessage();
            }
        }
        return last;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
