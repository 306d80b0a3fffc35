package dev.hako.image.registry;

import dev.hako.error.HakoException;
import dev.hako.error.HakoException.Kind;
import dev.hako.image.spec.Digest;
import dev.hako.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Answers registry 401 challenges (Bearer token flow of the distribution spec, or Basic) and
 * caches the resulting Authorization value per endpoint, repository and credential, so one
 * pull's manifest and blob requests share one token, and a token never serves other credentials.
 */
final class Authorizer {
    /** @param identity a hash of the credential, never the credential itself */
    record Key(String endpoint, String repository, String identity) {}

    private record Grant(String authorization, long expiresAtNanos) {}

    /** Token lifetime when the token service does not say (the spec's default). */
    static final long DEFAULT_TOKEN_SECONDS = 60;
    /** Basic credentials and caller-given registry tokens are kept this long per repository. */
    private static final long STATIC_SECONDS = 600;
    private static final int MAX_TOKEN_RESPONSE = 1 << 20;
    private static final int PRUNE_ABOVE = 256;

    private final HttpClients clients;
    private final Duration connectTimeout;
    private final Duration headersTimeout;
    private final Map<Key, Grant> grants = new ConcurrentHashMap<>();

    Authorizer(HttpClients clients, Duration connectTimeout, Duration headersTimeout) {
        this.clients = clients;
        this.connectTimeout = connectTimeout;
        this.headersTimeout = headersTimeout;
    }

    static Key key(String endpoint, String repository, RegistryAuth auth) {
        String fingerprint = auth.isAnonymous() ? "anonymous"
                : Digest.sha256(String.join("\0", auth.username(), auth.password(), auth.auth(), auth.identityToken(),
                        auth.registryToken()).getBytes(StandardCharsets.UTF_8)).hex();
        return new Key(endpoint, repository, fingerprint);
    }

    /** The Authorization value to send unasked, or null. */
    String cached(Key key) {
        Grant g = grants.get(key);
        if (g == null) {
            return null;
        }
        if (System.nanoTime() - g.expiresAtNanos >= 0) {
            grants.remove(key, g);
            return null;
        }
        return g.authorization;
    }

    /** A cached value the registry refused: drop it so the next request starts over. */
    void forget(Key key) {
        grants.remove(key);
    }

    /**
     * Meets the challenges of a 401 and returns the Authorization value to retry with.
     *
     * @throws EndpointFailure when no challenge can be met with {@code auth}, or the token service refuses
     */
    String answer(Endpoint ep, Key key, RegistryAuth auth, List<Challenge> challenges)
            throws EndpointFailure, InterruptedException {
        Challenge bearer = Challenge.find(challenges, "bearer");
        Challenge basic = Challenge.find(challenges, "basic");
        String authorization;
        long seconds;
        if (bearer != null && !auth.registryToken().isEmpty()) {
            authorization = "Bearer " + auth.registryToken();
            seconds = STATIC_SECONDS;
        } else if (bearer != null) {
            Token t = fetchToken(ep, bearer, key.repository(), auth);
            authorization = "Bearer " + t.token;
            seconds = t.seconds;
        } else if (basic != null) {
            authorization = basicAuthorization(auth);
            if (authorization == null) {
                throw new EndpointFailure("401 Unauthorized (the registry asks for a username and password; none were given)",
                        Kind.UNAUTHENTICATED, false);
            }
            seconds = STATIC_SECONDS;
        } else {
            String schemes = challenges.stream().map(Challenge::scheme).collect(Collectors.joining(", "));
            throw new EndpointFailure("401 Unauthorized (no supported authentication scheme in the challenge"
                    + (schemes.isEmpty() ? "" : ": " + schemes) + ")", Kind.UNAUTHENTICATED, false);
        }
        if (grants.size() > PRUNE_ABOVE) {
            long now = System.nanoTime();
            grants.values().removeIf(g -> now - g.expiresAtNanos >= 0);
        }
        // a little early, so a token does not expire between our check and the registry's
        long margin = Math.min(10, seconds / 10);
        grants.put(key, new Grant(authorization, System.nanoTime() + Duration.ofSeconds(seconds - margin).toNanos()));
        return authorization;
    }

    /** {@code Basic …} from username/password or the pre-encoded {@code auth} field; null without either. */
    static String basicAuthorization(RegistryAuth auth) {
        String pair;
        if (!auth.username().isEmpty() || !auth.password().isEmpty()) {
            pair = auth.username() + ":" + auth.password();
        } else if (!auth.auth().isEmpty()) {
            try {
                pair = new String(Base64.getDecoder().decode(auth.auth().strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                pair = "";
            }
            if (pair.indexOf(':') <= 0) {
                throw HakoException.invalidArgument("auth.auth", "is not the base64 encoding of username:password");
            }
        } else {
            return null;
        }
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    private record Token(String token, long seconds) {}

    /**
     * Asks the challenge's realm for a token. The realm is spoken to with its own host's TLS trust
     * (never lent an endpoint's {@code insecure}), and credentials go to a plain-http realm only when
     * that realm's host is itself configured insecure.
     */
    private Token fetchToken(Endpoint ep, Challenge bearer, String repository, RegistryAuth auth)
            throws EndpointFailure, InterruptedException {
        String realm = bearer.param("realm");
        URI realmUri = null;
        try {
            realmUri = realm == null ? null : new URI(realm);
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        if (realmUri == null || !realmUri.isAbsolute() || realmUri.getHost() == null
                || !(realmUri.getScheme().equalsIgnoreCase("https") || realmUri.getScheme().equalsIgnoreCase("http"))) {
            throw new EndpointFailure("401 Unauthorized (the Bearer challenge has no usable realm)", Kind.UNAUTHENTICATED, false);
        }
        List<String> scopes = new ArrayList<>();
        scopes.add("repository:" + repository + ":pull");
        String asked = bearer.param("scope");
        if (asked != null) {
            for (String s : asked.split(" ")) {
                if (!s.isBlank() && !scopes.contains(s)) {
                    scopes.add(s);
                }
            }
        }
        String service = bearer.param("service");
        String tokenService = realmUri.getScheme() + "://" + realmUri.getRawAuthority();
        boolean credentials = !auth.identityToken().isEmpty() || basicAuthorization(auth) != null;
        if (credentials && realmUri.getScheme().equalsIgnoreCase("http") && !clients.insecure(ep, realmUri)) {
            throw new EndpointFailure("token service " + tokenService + " is plain http: credentials are not sent"
                    + " there unless [image.registries.\"" + realmUri.getRawAuthority() + "\"] sets insecure = true",
                    Kind.FAILED_PRECONDITION, false);
        }
        HttpClient client = clients.forTarget(ep, realmUri);
        HttpRequest.Builder req;
        if (!auth.identityToken().isEmpty()) {
            // OAuth2 refresh-token grant, as docker does with the identity token `docker login` stored
            StringBuilder form = new StringBuilder("grant_type=refresh_token");
            form.append("&refresh_token=").append(enc(auth.identityToken()));
            if (service != null) {
                form.append("&service=").append(enc(service));
            }
            form.append("&scope=").append(enc(String.join(" ", scopes)));
            form.append("&client_id=hako");
            req = HttpRequest.newBuilder(realmUri)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(form.toString()));
        } else {
            StringBuilder query = new StringBuilder(realm).append(realm.contains("?") ? "&" : "?");
            if (service != null) {
                query.append("service=").append(enc(service)).append('&');
            }
            query.append(scopes.stream().map(s -> "scope=" + enc(s)).collect(Collectors.joining("&")));
            req = HttpRequest.newBuilder(URI.create(query.toString())).GET();
            String basic = basicAuthorization(auth);
            if (basic != null) {
                req.header("Authorization", basic);
            }
        }
        req.timeout(headersTimeout).header("User-Agent", Http.USER_AGENT).header("Accept", "application/json");
        HttpResponse<InputStream> r;
        try {
            r = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            EndpointFailure f = Http.ioFailure(e, connectTimeout, headersTimeout, realmUri.getRawAuthority());
            throw new EndpointFailure("token service " + tokenService + ": " + f.outcome(), f.kind(), f.retryable());
        }
        if (r.statusCode() != 200) {
            EndpointFailure f = Http.statusFailure(r, null);
            throw new EndpointFailure("token service " + tokenService + " refused: " + f.outcome(), f.kind(), f.retryable());
        }
        Map<String, Object> doc;
        try (InputStream in = new GuardedBody(r.body(), tokenService, -1, headersTimeout, headersTimeout)) {
            byte[] body = Http.readAtMost(in, MAX_TOKEN_RESPONSE);
            doc = body == null ? null : Json.parseObject(new String(body, StandardCharsets.UTF_8));
        } catch (IOException e) {
            EndpointFailure f = Http.ioFailure(e, connectTimeout, headersTimeout, realmUri.getRawAuthority());
            throw new EndpointFailure("token service " + tokenService + ": " + f.outcome(), f.kind(), f.retryable());
        } catch (IllegalArgumentException e) {
            doc = null;
        }
        Object token = doc == null ? null : doc.get("token") instanceof String t && !t.isEmpty() ? t : doc.get("access_token");
        if (!(token instanceof String t) || t.isEmpty()) {
            throw new EndpointFailure("token service " + tokenService + " answered without a token", Kind.UNAVAILABLE, false);
        }
        long seconds = doc.get("expires_in") instanceof Number n && n.longValue() > 0 ? n.longValue() : DEFAULT_TOKEN_SECONDS;
        return new Token(t, seconds);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
