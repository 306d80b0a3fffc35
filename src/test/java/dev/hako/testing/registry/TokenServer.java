package dev.hako.testing.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hako.json.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry token service (docker distribution's token-auth spec) on 127.0.0.1, over plain HTTP,
 * for one user. It issues RS256 JWTs whose {@code x5c} header carries a signing certificate from
 * its own {@link TestCa}; the registry trusts that CA through {@link #rootCertBundle()}.
 *
 * <ul>
 *   <li>GET {@code /token?service=…&scope=…}: with correct Basic credentials, the user gets every
 *       action asked for; wrong credentials get 401; anonymous requests get a token with <b>no</b>
 *       access, unless {@link #anonymousPull(boolean)} allows pull. {@code offline_token=true}
 *       adds a {@code refresh_token} for an authenticated user.</li>
 *   <li>POST {@code /token} (OAuth2 form): {@code grant_type=refresh_token} with a refresh token this
 *       server issued (see {@link #identityToken()}), or {@code grant_type=password}.</li>
 * </ul>
 */
public final class TokenServer implements AutoCloseable {
    private static final String SERVICE = "hako-test-registry";
    private static final String ISSUER = "hako-test-token-issuer";
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();

    private final String user;
    private final String password;
    private final TestCa ca;
    private final PrivateKey signingKey;
    private final String x5c;
    private final HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final Set<String> refreshTokens = ConcurrentHashMap.newKeySet();
    private volatile boolean anonymousPull;
    private volatile long lifetimeSeconds = 300;

    private TokenServer(String user, String password) throws IOException {
        this.user = user;
        this.password = password;
        this.ca = TestCa.create();
        TestCa.Issued signer = ca.issueSigningCert("hako test token signer");
        this.signingKey = signer.privateKey();
        this.x5c = Base64.getEncoder().encodeToString(signer.certDer());
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/token", this::handle);
        server.start();
    }

    public static TokenServer start(String user, String password) {
        try {
            return new TokenServer(user, password);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI realm() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
    }

    public String service() {
        return SERVICE;
    }

    public String issuer() {
        return ISSUER;
    }

    /** The PEM bundle the registry verifies token signatures with ({@code auth.token.rootcertbundle}). */
    public Path rootCertBundle() {
        return ca.caCertPem();
    }

    /** Every request to the token endpoint, answered or refused. */
    public int tokenRequests() {
        return requests.get();
    }

    /** Whether anonymous token requests get pull access (default: no access at all). */
    public TokenServer anonymousPull(boolean allow) {
        this.anonymousPull = allow;
        return this;
    }

    /** The {@code expires_in} of issued tokens (default 300 s). */
    public TokenServer tokenLifetime(long seconds) {
        this.lifetimeSeconds = seconds;
        return this;
    }

    /** A refresh token for the user, as {@code docker login} stores it (CRI {@code identity_token}); not counted. */
    public String identityToken() {
        String t = randomId();
        refreshTokens.add(t);
        return t;
    }

    /** A registry token for the user with {@code actions} on {@code repository}, minted without a request (CRI {@code registry_token}). */
    public String accessToken(String repository, String... actions) {
        return jwt(user, List.of(Map.of("type", "repository", "name", repository, "actions", List.of(actions))));
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            Map<String, List<String>> params = new LinkedHashMap<>();
            parseForm(ex.getRequestURI().getRawQuery(), params);
            String subject;
            boolean wantsRefresh;
            List<String> scopes = new ArrayList<>();
            if (ex.getRequestMethod().equals("POST")) {
                parseForm(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8), params);
                String grant = first(params, "grant_type");
                if ("refresh_token".equals(grant) && refreshTokens.contains(first(params, "refresh_token"))) {
                    subject = user;
                } else if ("password".equals(grant) && user.equals(first(params, "username"))
                        && password.equals(first(params, "password"))) {
                    subject = user;
                } else {
                    reply(ex, 401, Map.of("error", "invalid_grant"));
                    return;
                }
                wantsRefresh = "password".equals(grant) && "offline".equals(first(params, "access_type"));
            } else {
                String authorization = ex.getRequestHeaders().getFirst("Authorization");
                if (authorization == null) {
                    subject = null;
                } else if (authorization.equals("Basic " + Base64.getEncoder().encodeToString(
                        (user + ":" + password).getBytes(StandardCharsets.UTF_8)))) {
                    subject = user;
                } else {
                    ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"hako test token service\"");
                    reply(ex, 401, Map.of("errors", List.of(Map.of("code", "UNAUTHORIZED", "message", "wrong credentials"))));
                    return;
                }
                wantsRefresh = subject != null && "true".equals(first(params, "offline_token"));
            }
            if (!SERVICE.equals(first(params, "service"))) {
                reply(ex, 400, Map.of("error", "unknown service"));
                return;
            }
            for (String s : params.getOrDefault("scope", List.of())) {
                scopes.addAll(List.of(s.split(" ")));
            }
            List<Object> access = new ArrayList<>();
            for (String scope : scopes) {
                int first = scope.indexOf(':');
                int last = scope.lastIndexOf(':');
                if (first < 0 || last <= first) {
                    continue;
                }
                List<String> actions = new ArrayList<>();
                for (String a : scope.substring(last + 1).split(",")) {
                    if (subject != null || (anonymousPull && a.equals("pull"))) {
                        actions.add(a);
                    }
                }
                access.add(Map.of("type", scope.substring(0, first), "name", scope.substring(first + 1, last),
                        "actions", actions));
            }
            String token = jwt(subject == null ? "" : subject, access);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("token", token);
            body.put("access_token", token);
            body.put("expires_in", lifetimeSeconds);
            body.put("issued_at", Instant.now().toString());
            if (wantsRefresh) {
                body.put("refresh_token", identityToken());
            }
            reply(ex, 200, body);
        }
    }

    private String jwt(String subject, List<Object> access) {
        long now = Instant.now().getEpochSecond();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("typ", "JWT");
        header.put("alg", "RS256");
        header.put("x5c", List.of(x5c));
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", ISSUER);
        claims.put("sub", subject);
        claims.put("aud", SERVICE); // a string: distribution 2.8 accepts no list here
        claims.put("exp", now + lifetimeSeconds);
        claims.put("nbf", now - 5);
        claims.put("iat", now);
        claims.put("jti", randomId());
        claims.put("access", access);
        String signed = B64URL.encodeToString(Json.write(header).getBytes(StandardCharsets.UTF_8)) + "."
                + B64URL.encodeToString(Json.write(claims).getBytes(StandardCharsets.UTF_8));
        try {
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(signingKey);
            rs256.update(signed.getBytes(StandardCharsets.US_ASCII));
            return signed + "." + B64URL.encodeToString(rs256.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
    }

    private static String randomId() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static void parseForm(String raw, Map<String, List<String>> into) {
        if (raw == null || raw.isEmpty()) {
            return;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            into.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    private static void reply(HttpExchange ex, int status, Map<String, ?> body) throws IOException {
        byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
