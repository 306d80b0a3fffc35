package dev.hako.image.registry;

import dev.hako.config.ImageSettings;
import dev.hako.config.RegistryConfig;
import dev.hako.error.HakoException;
import dev.hako.error.HakoException.Kind;
import dev.hako.image.spec.Digest;
import dev.hako.image.spec.ImageReference;
import dev.hako.image.spec.MediaTypes;
import dev.hako.json.Json;
import dev.hako.log.Log;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Fetches manifests and blobs over the OCI distribution API. For an image's registry host it tries
 * the configured mirrors in order, then the host itself (unless {@code fallback = false}); an
 * endpoint that fails transiently is retried with backoff, one that answers 401/403/404 is
 * skipped at once. When every endpoint fails, the error lists each with its outcome.
 *
 * <p>Credentials are offered only when an endpoint asks (401), to mirrors too, as containerd does;
 * they are never logged nor put in errors. Redirects (blob GETs to storage) drop them off-host.
 *
 * <p>Thread-safe; one instance serves the whole daemon so tokens and connections are shared.
 */
public final class RegistryClient implements AutoCloseable {
    /**
     * @param connect         TCP (and TLS) connect timeout
     * @param responseHeaders how long a request may wait for the response headers
     * @param backoff         the pause before the second attempt at an endpoint; doubled after
     */
    public record Timeouts(Duration connect, Duration responseHeaders, Duration backoff) {
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMillis(200));
    }

    /** Manifests are small; anything larger is refused before it can eat the heap. */
    public static final int MAX_MANIFEST_BYTES = 4 << 20;
    static final int ATTEMPTS = 3;
    static final int MAX_REDIRECTS = 5;
    private static final String MANIFEST_ACCEPT = String.join(", ", MediaTypes.MANIFEST_ACCEPT);
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Log LOG = Log.of("registry");

    private final ImageSettings settings;
    private final Timeouts timeouts;
    private final HttpClients clients;
    private final Authorizer authorizer;
    /** Insecure hosts whose TLS handshake failed: they speak plain HTTP, so go there directly next time. */
    private final Set<String> plainHttpHosts = ConcurrentHashMap.newKeySet();

    public RegistryClient(ImageSettings settings) {
        this(settings, Timeouts.DEFAULT);
    }

    public RegistryClient(ImageSettings settings, Timeouts timeouts) {
        this.settings = settings;
        this.timeouts = timeouts;
        this.clients = new HttpClients(timeouts.connect(), settings);
        this.authorizer = new Authorizer(clients, timeouts.connect(), timeouts.responseHeaders());
    }

    /**
     * GET {@code /v2/<path>/manifests/<reference>}, accepting indexes and manifests (OCI and Docker).
     *
     * @param reference a tag or a digest; a body that does not hash to a requested digest is
     *                  refused (DATA_LOSS) and the next endpoint is tried
     */
    public FetchedManifest fetchManifest(ImageReference ref, String reference, RegistryAuth auth) {
        Digest expected = null;
        if (reference != null && reference.contains(":")) {
            expected = Digest.parse(reference, "reference");
        } else if (reference == null || !TAG.matcher(reference).matches()) {
            throw HakoException.invalidArgument("reference", "\"" + reference + "\" is neither a tag nor a digest");
        }
        Digest wanted = expected;
        String what = "pulling manifest " + ref.name() + (expected != null ? "@" : ":") + reference;
        return onEachEndpoint(ref, what, (ep, plain) -> {
            HttpResponse<InputStream> r = exchange(ep, ref.path(), "manifests/" + reference, MANIFEST_ACCEPT, auth);
            byte[] body;
            GuardedBody in = guard(r, -1, MAX_MANIFEST_BYTES);
            try (in) {
                long declared = r.headers().firstValueAsLong("Content-Length").orElse(-1);
                body = declared > MAX_MANIFEST_BYTES ? null : Http.readAtMost(in, MAX_MANIFEST_BYTES);
            } catch (IOException e) {
                if (in.failure() != null) {
                    throw new EndpointFailure(in.failure().getMessage(), in.failure().kind(), false);
                }
                throw Http.ioFailure(e, timeouts.connect(), timeouts.responseHeaders(), ep.authority());
            }
            if (body == null) {
                throw new EndpointFailure("manifest is larger than " + (MAX_MANIFEST_BYTES >> 20) + " MiB",
                        Kind.FAILED_PRECONDITION, false);
            }
            Digest actual = Digest.sha256(body);
            if (wanted != null && !matches(wanted, actual, body)) {
                throw new EndpointFailure("manifest content does not match its digest: requested " + wanted
                        + ", got content with digest " + (wanted.algorithm().equals("sha256") ? actual : hashAs(wanted, body)),
                        Kind.DATA_LOSS, false);
            }
            return new FetchedManifest(body, mediaType(r, body), actual, ep.base(plain.get()));
        });
    }

    /** {@link #openBlob(ImageReference, Digest, long, RegistryAuth)} for a blob of unknown size. */
    public BlobStream openBlob(ImageReference ref, Digest digest, RegistryAuth auth) {
        return openBlob(ref, digest, -1, auth);
    }

    /**
     * GET {@code /v2/<path>/blobs/<digest>}; the caller reads, verifies and closes the stream. A
     * Content-Length above {@code size} is refused before reading (DATA_LOSS, the next endpoint is
     * tried); the body fails at byte {@code size + 1}, at the blob's deadline
     * ({@link ImageSettings#blobDeadline}) and after {@link GuardedBody#STALL} without a byte.
     *
     * @param size the descriptor's size, or -1 when unknown
     */
    public BlobStream openBlob(ImageReference ref, Digest digest, long size, RegistryAuth auth) {
        String what = "pulling blob " + ref.name() + "@" + digest;
        return onEachEndpoint(ref, what, (ep, plain) -> {
            HttpResponse<InputStream> r = exchange(ep, ref.path(), "blobs/" + digest, null, auth);
            long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (size >= 0 && length > size) {
                Http.discard(r);
                throw new EndpointFailure("Content-Length " + length + " is larger than the " + size
                        + " bytes the descriptor declares", Kind.DATA_LOSS, false);
            }
            return new BlobStream(guard(r, size, size), length, ep.base(plain.get()));
        });
    }

    /** The image settings this client was made with. */
    /** Initialises the HTTP and TLS machinery ahead of the first request (see {@link HttpClients#prepare}). */
    public void prepare() {
        clients.prepare();
    }

    public ImageSettings settings() {
        return settings;
    }

    /** The response body under {@code limit} bytes and the deadline of a blob of {@code size} bytes. */
    private GuardedBody guard(HttpResponse<InputStream> r, long limit, long size) {
        URI from = r.uri();
        return new GuardedBody(r.body(), from.getScheme() + "://" + from.getRawAuthority(), limit,
                settings.blobDeadline(size), GuardedBody.STALL);
    }

    /** Where {@code domain}'s repositories are pulled from, in order. */
    List<Endpoint> endpoints(String domain) {
        RegistryConfig rc = settings.registries().get(domain);
        List<Endpoint> out = new ArrayList<>();
        boolean insecure = rc != null && rc.insecure();
        java.nio.file.Path ca = rc == null ? null : rc.caFile();
        if (rc != null) {
            for (URI mirror : rc.mirrors()) {
                out.add(Endpoint.mirror(mirror, insecure, ca));
            }
        }
        if (rc == null || rc.fallback()) {
            out.add(Endpoint.host(domain, insecure, ca));
        }
        return out;
    }

    @Override
    public void close() {
        clients.close();
    }

    /** Whether the endpoint is currently reached over plain HTTP; read after the attempt. */
    @FunctionalInterface
    private interface PlainFlag {
        boolean get();
    }

    @FunctionalInterface
    private interface Attempt<T> {
        T run(Endpoint ep, PlainFlag plain) throws EndpointFailure, InterruptedException;
    }

    private <T> T onEachEndpoint(ImageReference ref, String what, Attempt<T> attempt) {
        List<Endpoint> endpoints = endpoints(ref.domain());
        if (endpoints.isEmpty()) {
            throw HakoException.failedPrecondition(what + ": no endpoint to try: [image.registries.\"" + ref.domain()
                    + "\"] has no mirrors and fallback = false");
        }
        List<String> outcomes = new ArrayList<>();
        List<Kind> kinds = new ArrayList<>();
        try {
            for (Endpoint ep : endpoints) {
                PlainFlag plain = () -> ep.mayDowngrade() && plainHttpHosts.contains(ep.authority());
                EndpointFailure failure = null;
                int attempts = 0;
                while (attempts < ATTEMPTS) {
                    attempts++;
                    try {
                        return attempt.run(ep, plain);
                    } catch (EndpointFailure f) {
                        failure = f;
                        if (!f.retryable() || attempts == ATTEMPTS) {
                            break;
                        }
                        long pause = backoff(attempts);
                        LOG.debug("retrying registry request", "what", what, "endpoint", ep.label(plain.get()),
                                "outcome", f.outcome(), "attempt", attempts + 1, "after_ms", pause);
                        Thread.sleep(pause);
                    }
                }
                String outcome = failure.outcome() + (attempts > 1 ? " (after " + attempts + " attempts)" : "");
                LOG.debug("registry endpoint failed", "what", what, "endpoint", ep.label(plain.get()), "outcome", outcome);
                outcomes.add(ep.label(plain.get()) + ": " + outcome);
                kinds.add(failure.kind());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HakoException(Kind.UNAVAILABLE, what + ": interrupted");
        }
        throw new HakoException(overallKind(kinds), what + ": " + String.join("; ", outcomes));
    }

    /**
     * Credential problems matter most (the user can fix them), then corrupt content; otherwise the
     * last endpoint decides, so a 404 from the host after an unreachable mirror is NOT_FOUND, and an
     * unreachable host after a mirror's 404 is UNAVAILABLE (the image may well exist there).
     */
    static Kind overallKind(List<Kind> kinds) {
        for (Kind k : List.of(Kind.UNAUTHENTICATED, Kind.PERMISSION_DENIED, Kind.DATA_LOSS)) {
            if (kinds.contains(k)) {
                return k;
            }
        }
        return kinds.getLast();
    }

    private long backoff(int attempt) {
        long base = timeouts.backoff().toMillis() << (attempt - 1);
        // ±20% jitter so many pulls failing together do not retry in lock-step
        return Math.max(1, base + ThreadLocalRandom.current().nextLong(-base / 5, base / 5 + 1));
    }

    /**
     * One request to one endpoint, with authorization (cached, or by answering a 401 once), the
     * plain-HTTP fallback for insecure hosts, and redirects. Returns a 2xx response whose body the
     * caller consumes or closes.
     */
    private HttpResponse<InputStream> exchange(Endpoint ep, String repository, String suffix, String accept,
            RegistryAuth auth) throws EndpointFailure, InterruptedException {
        Authorizer.Key key = Authorizer.key(ep.base(false), repository, auth);
        String authorization = authorizer.cached(key);
        boolean answered = false;
        while (true) {
            HttpResponse<InputStream> r = send(ep, repository, suffix, accept, authorization);
            int code = r.statusCode();
            if (code / 100 == 2) {
                return r;
            }
            if (code == 401 && !answered) {
                answered = true;
                List<Challenge> challenges = Challenge.parse(r.headers().allValues("WWW-Authenticate"));
                Http.discard(r);
                authorizer.forget(key);
                authorization = authorizer.answer(ep, key, auth, challenges);
                continue;
            }
            if (code == 401 || code == 403) {
                authorizer.forget(key);
            }
            throw Http.statusFailure(r, code == 401 && auth.isAnonymous() ? "no credentials were given" : null);
        }
    }

    /**
     * Sends the request over HTTPS, or plain HTTP for an insecure host known to need it. An insecure
     * host whose TLS handshake fails, or stays unanswered (some servers wait silently for an HTTP
     * request line), is asked again in plain HTTP, and remembered when that answers.
     */
    private HttpResponse<InputStream> send(Endpoint ep, String repository, String suffix, String accept,
            String authorization) throws EndpointFailure, InterruptedException {
        boolean plain = ep.mayDowngrade() && plainHttpHosts.contains(ep.authority());
        try {
            return follow(ep, ep.url(plain, repository, suffix), accept, authorization);
        } catch (IOException e) {
            EndpointFailure failure = Http.ioFailure(e, timeouts.connect(), timeouts.responseHeaders(), ep.authority());
            if (plain || !ep.mayDowngrade() || !(Http.isTls(e) || e instanceof HttpConnectTimeoutException)) {
                throw failure;
            }
            try {
                HttpResponse<InputStream> r = follow(ep, ep.url(true, repository, suffix), accept, authorization);
                LOG.debug("insecure registry answers plain HTTP, not TLS; using HTTP from now on", "host", ep.authority());
                plainHttpHosts.add(ep.authority());
                return r;
            } catch (IOException p) {
                EndpointFailure overHttp = Http.ioFailure(p, timeouts.connect(), timeouts.responseHeaders(), ep.authority());
                throw new EndpointFailure(failure.outcome() + "; over plain HTTP: " + overHttp.outcome(), Kind.UNAVAILABLE,
                        overHttp.retryable());
            }
        }
    }

    /**
     * Sends a GET and follows up to {@link #MAX_REDIRECTS} redirects. Credentials go only to the
     * origin (same scheme, host and port); each hop gets the TLS trust of its own host; a redirect
     * from https to plain http is refused unless the endpoint is insecure.
     */
    private HttpResponse<InputStream> follow(Endpoint ep, URI uri, String accept, String authorization)
            throws IOException, InterruptedException, EndpointFailure {
        URI origin = uri;
        for (int hop = 0; ; hop++) {
            HttpClient client = clients.forTarget(ep, uri);
            HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                    .timeout(timeouts.responseHeaders())
                    .header("User-Agent", Http.USER_AGENT)
                    .GET();
            if (accept != null) {
                b.header("Accept", accept);
            }
            if (authorization != null && sameOrigin(uri, origin)) {
                b.header("Authorization", authorization);
            }
            HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            if (!Http.isRedirect(r.statusCode())) {
                return r;
            }
            String location = r.headers().firstValue("Location").orElse(null);
            Http.discard(r);
            if (location == null) {
                throw new EndpointFailure(Http.status(r.statusCode()) + " without a Location", Kind.UNAVAILABLE, false);
            }
            if (hop == MAX_REDIRECTS) {
                throw new EndpointFailure("more than " + MAX_REDIRECTS + " redirects", Kind.UNAVAILABLE, false);
            }
            URI next;
            try {
                next = uri.resolve(new URI(location));
            } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                throw new EndpointFailure("redirect to a malformed Location", Kind.UNAVAILABLE, false);
            }
            String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || next.getHost() == null) {
                throw new EndpointFailure("redirect to a non-HTTP location", Kind.UNAVAILABLE, false);
            }
            if (scheme.equals("http") && uri.getScheme().equalsIgnoreCase("https") && !ep.insecure()) {
                throw new EndpointFailure("redirect from https to plain http://" + next.getRawAuthority()
                        + " refused (only an insecure registry may be downgraded)", Kind.UNAVAILABLE, false);
            }
            uri = next;
        }
    }

    /** Same scheme, host and port: a change of any of them drops the credentials. */
    private static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && (a.getPort() < 0 ? HttpClients.defaultPort(a) : a.getPort())
                        == (b.getPort() < 0 ? HttpClients.defaultPort(b) : b.getPort());
    }

    private static boolean matches(Digest wanted, Digest sha256, byte[] body) {
        return wanted.algorithm().equals("sha256") ? wanted.equals(sha256) : wanted.equals(hashAs(wanted, body));
    }

    private static Digest hashAs(Digest like, byte[] body) {
        MessageDigest md = like.newMessageDigest();
        md.update(body);
        return new Digest(like.algorithm(), java.util.HexFormat.of().formatHex(md.digest()));
    }

    /**
     * The Content-Type, unless it is missing or generic (some registries and static mirrors serve
     * application/json): then the body's own {@code mediaType}, or its shape.
     */
    static String mediaType(HttpResponse<?> r, byte[] body) {
        String type = r.headers().firstValue("Content-Type").map(t -> t.split(";", 2)[0].strip().toLowerCase(Locale.ROOT))
                .orElse("");
        if (MediaTypes.isIndex(type) || MediaTypes.isManifest(type)) {
            return type;
        }
        try {
            Map<String, Object> doc = Json.parseObject(new String(body, StandardCharsets.UTF_8));
            if (doc.get("mediaType") instanceof String m && !m.isEmpty()) {
                return m;
            }
            if (doc.containsKey("manifests")) {
                return MediaTypes.OCI_INDEX;
            }
            if (doc.containsKey("config") && doc.containsKey("layers")) {
                return MediaTypes.OCI_MANIFEST;
            }
        } catch (IllegalArgumentException e) {
            // not JSON: leave the decision to the caller
        }
        return type;
    }
}
