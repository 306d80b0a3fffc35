package dev.hako.testing.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * A plain-HTTP front on 127.0.0.1 that forwards every request to a {@link RegistryServer}, and can
 * misbehave on purpose: fail the first N requests, answer blob GETs with a 307 to the backend (as
 * registries do to send clients to blob storage), or serve under a path prefix (as some mirrors
 * do). It counts what it receives, so tests can prove an endpoint was (not) contacted.
 */
public final class RegistryFront implements AutoCloseable {
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "content-length", "transfer-encoding",
            "host", "expect", "upgrade", "keep-alive", "date");
    private static final Pattern BLOB = Pattern.compile("/v2/.+/blobs/[a-z0-9]+:[a-f0-9]+");

    private final RegistryServer backend;
    private final HttpServer server;
    private final HttpClient http;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private volatile int failuresLeft;
    private volatile int failureStatus;
    private volatile URI redirectBlobsTo;
    private volatile String prefix = "";

    private RegistryFront(RegistryServer backend) throws IOException {
        this.backend = backend;
        this.http = TestHttp.client(backend.ca());
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public static RegistryFront forwardingTo(RegistryServer backend) {
        try {
            return new RegistryFront(backend);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Answers the next {@code n} requests with {@code status} (e.g. 503) instead of forwarding them. */
    public RegistryFront failFirst(int n, int status) {
        this.failureStatus = status;
        this.failuresLeft = n;
        return this;
    }

    /** Answers blob GETs with {@code 307 Temporary Redirect} to the same path on the backend. */
    public RegistryFront redirectBlobs() {
        return redirectBlobs(backend.baseUri());
    }

    /** Answers blob GETs with {@code 307 Temporary Redirect} to the same path and query under {@code target}. */
    public RegistryFront redirectBlobs(URI target) {
        this.redirectBlobsTo = target;
        return this;
    }

    /** Serves only under {@code prefix} (e.g. {@code /mirror}), stripping it before forwarding; anything else is 404. */
    public RegistryFront pathPrefix(String prefix) {
        this.prefix = prefix;
        return this;
    }

    public String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    public URI baseUri() {
        return URI.create("http://" + host());
    }

    /** How many requests reached this front. */
    public int requests() {
        return requests.get();
    }

    /** {@code METHOD path -> status} for every request, in order. */
    public List<String> requestLog() {
        return List.copyOf(log);
    }

    @Override
    public void close() {
        server.stop(0);
        http.close();
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            URI uri = ex.getRequestURI();
            forward(ex, ex.getRequestMethod(), uri.getRawPath(), uri.getRawQuery());
        }
    }

    private void forward(HttpExchange ex, String method, String path, String query) throws IOException {
        synchronized (this) {
            if (failuresLeft > 0) {
                failuresLeft--;
                reply(ex, failureStatus, "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"injected failure\"}]}");
                return;
            }
        }
        if (!path.startsWith(prefix + "/")) {
            reply(ex, 404, "{\"errors\":[{\"code\":\"NOT_FOUND\",\"message\":\"outside the prefix\"}]}");
            return;
        }
        String target = path.substring(prefix.length()) + (query == null ? "" : "?" + query);
        URI storage = redirectBlobsTo;
        if (storage != null && method.equals("GET") && BLOB.matcher(path.substring(prefix.length())).matches()) {
            ex.getResponseHeaders().set("Location", storage + target);
            sendHeaders(ex, 307, -1);
            return;
        }
        byte[] body = ex.getRequestBody().readAllBytes();
        HttpRequest.Builder req = HttpRequest.newBuilder(backend.baseUri().resolve(target))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        for (Map.Entry<String, List<String>> h : ex.getRequestHeaders().entrySet()) {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                h.getValue().forEach(v -> req.header(h.getKey(), v));
            }
        }
        HttpResponse<byte[]> r;
        try {
            r = http.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply(ex, 502, "");
            return;
        } catch (IOException e) {
            reply(ex, 502, "");
            return;
        }
        for (Map.Entry<String, List<String>> h : r.headers().map().entrySet()) {
            if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT)) && !h.getKey().startsWith(":")) {
                h.getValue().forEach(v -> ex.getResponseHeaders().add(h.getKey(), v));
            }
        }
        boolean noBody = method.equals("HEAD") || r.statusCode() == 204 || r.statusCode() == 304 || r.body().length == 0;
        sendHeaders(ex, r.statusCode(), noBody ? -1 : r.body().length);
        if (!noBody) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(r.body());
            }
        }
    }

    private void reply(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        sendHeaders(ex, status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Logs before answering, so a client that has its response always finds the request in the log. */
    private void sendHeaders(HttpExchange ex, int status, long length) throws IOException {
        log.add(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath() + " -> " + status);
        ex.sendResponseHeaders(status, length);
    }
}
