package dev.hako.testing.registry;

import dev.hako.image.spec.Digest;
import dev.hako.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Pushes blobs and manifests with the OCI distribution API (POST an upload, PUT it with
 * {@code ?digest=}, PUT manifests). With {@link #withCredentials}, a Basic challenge is answered
 * with those credentials and a Bearer challenge by fetching a pull+push token with them.
 */
public final class RegistryPusher {
    private final RegistryServer server;
    private final HttpClient http;
    private String basic;
    /** Authorization per repository, once a challenge has been met. */
    private final Map<String, String> authorizations = new ConcurrentHashMap<>();

    public RegistryPusher(RegistryServer server) {
        this.server = server;
        this.http = TestHttp.client(server.ca());
    }

    public RegistryPusher withCredentials(String user, String password) {
        this.basic = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        authorizations.clear();
        return this;
    }

    /** Uploads {@code data} unless the repository already has it; returns its sha256 digest. */
    public Digest pushBlob(String repo, byte[] data) {
        Digest d = Digest.sha256(data);
        URI blob = server.baseUri().resolve("/v2/" + repo + "/blobs/" + d);
        if (send(repo, HttpRequest.newBuilder(blob).method("HEAD", HttpRequest.BodyPublishers.noBody())).statusCode() == 200) {
            return d;
        }
        HttpResponse<byte[]> started = send(repo, HttpRequest.newBuilder(server.baseUri().resolve("/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()));
        expect(started, 202, "starting the upload of " + d + " to " + repo);
        URI location = server.baseUri().resolve(started.headers().firstValue("Location").orElseThrow());
        String sep = location.getRawQuery() == null ? "?" : "&";
        URI put = URI.create(location + sep + "digest=" + URLEncoder.encode(d.toString(), StandardCharsets.UTF_8));
        expect(send(repo, HttpRequest.newBuilder(put).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(data))), 201, "completing the upload of " + d + " to " + repo);
        return d;
    }

    /** PUTs a manifest (or index) under a tag or its digest; returns the sha256 of {@code body}. */
    public Digest pushManifest(String repo, String reference, String mediaType, byte[] body) {
        URI uri = server.baseUri().resolve("/v2/" + repo + "/manifests/" + reference);
        expect(send(repo, HttpRequest.newBuilder(uri).header("Content-Type", mediaType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(body))), 201, "pushing manifest " + repo + ":" + reference);
        return Digest.sha256(body);
    }

    private HttpResponse<byte[]> send(String repo, HttpRequest.Builder request) {
        HttpRequest first = request.copy().build();
        String authorization = authorizations.get(repo);
        HttpResponse<byte[]> r = exchange(authorization == null ? first : request.copy().header("Authorization", authorization).build());
        if (r.statusCode() != 401 || basic == null) {
            return r;
        }
        String challenge = r.headers().firstValue("WWW-Authenticate").orElse("");
        authorization = challenge.regionMatches(true, 0, "Bearer", 0, 6) ? "Bearer " + token(challenge, repo) : basic;
        authorizations.put(repo, authorization);
        return exchange(request.copy().header("Authorization", authorization).build());
    }

    private String token(String challenge, String repo) {
        String realm = param(challenge, "realm");
        String service = param(challenge, "service");
        URI uri = URI.create(realm + "?service=" + URLEncoder.encode(service, StandardCharsets.UTF_8) + "&scope="
                + URLEncoder.encode("repository:" + repo + ":pull,push", StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(uri).header("Authorization", basic).GET().build());
        expect(r, 200, "fetching a push token");
        return (String) Json.parseObject(new String(r.body(), StandardCharsets.UTF_8)).get("token");
    }

    private static String param(String challenge, String name) {
        int i = challenge.indexOf(name + "=\"");
        if (i < 0) {
            throw new IllegalStateException("no " + name + " in challenge " + challenge);
        }
        int start = i + name.length() + 2;
        return challenge.substring(start, challenge.indexOf('"', start));
    }

    private HttpResponse<byte[]> exchange(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void expect(HttpResponse<byte[]> r, int status, String what) {
        if (r.statusCode() != status) {
            throw new IllegalStateException(what + ": HTTP " + r.statusCode() + " "
                    + new String(r.body(), StandardCharsets.UTF_8));
        }
    }
}
