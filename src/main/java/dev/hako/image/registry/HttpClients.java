package dev.hako.image.registry;

import dev.hako.config.ImageSettings;
import dev.hako.config.RegistryConfig;
import dev.hako.error.HakoException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One {@link HttpClient} per kind of TLS trust (default CAs, default CAs plus a ca_file, or none
 * for insecure hosts), so connections are pooled per trust and no setting leaks between hosts: an
 * endpoint's {@code insecure} and {@code ca_file} apply to its own host and port only, and any
 * other host (blob storage a registry redirects to, a token realm) gets the trust of its own
 * {@code [image.registries]} table, or the JVM's CAs.
 */
final class HttpClients implements AutoCloseable {
    private record Trust(boolean insecure, Path caFile) {}

    private static final Trust VERIFY = new Trust(false, null);

    private final Duration connectTimeout;
    private final ImageSettings settings;
    private final Map<Trust, HttpClient> clients = new ConcurrentHashMap<>();

    HttpClients(Duration connectTimeout, ImageSettings settings) {
        this.connectTimeout = connectTimeout;
        this.settings = settings;
    }

    HttpClient forEndpoint(Endpoint ep) {
        Trust trust = ep.insecure() ? new Trust(true, null) : new Trust(false, ep.caFile());
        return clients.computeIfAbsent(trust, this::build);
    }

    /**
     * Builds and closes a client of each kind once, so that JSSE's providers, the JVM's CA store and
     * java.net.http's classes are initialised before the first pull rather than during it (in a fresh
     * JVM that costs ~170 ms, which a node's first pull after a restart would otherwise wait for).
     * The clients themselves are not kept: each holds a selector thread.
     */
    void prepare() {
        for (Trust trust : new Trust[] {VERIFY, new Trust(true, null)}) {
            build(trust).close();
        }
    }

    /** The client for a request to {@code target} made on behalf of {@code ep}. */
    HttpClient forTarget(Endpoint ep, URI target) {
        if (sameAuthority(ep.authority(), target)) {
            return forEndpoint(ep);
        }
        RegistryConfig rc = configOf(target);
        Trust trust = rc == null ? VERIFY : rc.insecure() ? new Trust(true, null) : new Trust(false, rc.caFile());
        return clients.computeIfAbsent(trust, this::build);
    }

    /** Whether {@code target}'s host is spoken to on behalf of {@code ep} with {@code insecure} set. */
    boolean insecure(Endpoint ep, URI target) {
        if (sameAuthority(ep.authority(), target)) {
            return ep.insecure();
        }
        RegistryConfig rc = configOf(target);
        return rc != null && rc.insecure();
    }

    /** The registries table of {@code target}'s host[:port]; an omitted or default port matches a table without one. */
    private RegistryConfig configOf(URI target) {
        String host = target.getHost() == null ? "" : target.getHost().toLowerCase(Locale.ROOT);
        int port = target.getPort();
        if (port >= 0) {
            RegistryConfig rc = settings.registry(host + ":" + port);
            if (rc != null || port != defaultPort(target)) {
                return rc;
            }
        }
        return settings.registry(host);
    }

    /** {@code authority} (host[:port], as endpoints hold it) and {@code target} name the same host and port. */
    static boolean sameAuthority(String authority, URI target) {
        URI a = URI.create("//" + authority);
        if (a.getHost() == null || target.getHost() == null || !a.getHost().equalsIgnoreCase(target.getHost())) {
            return false;
        }
        int def = defaultPort(target);
        return (a.getPort() < 0 ? def : a.getPort()) == (target.getPort() < 0 ? def : target.getPort());
    }

    static int defaultPort(URI u) {
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private HttpClient build(Trust trust) {
        SSLContext tls;
        try {
            if (trust.insecure()) {
                tls = SSLContext.getInstance("TLS");
                tls.init(null, new TrustManager[] {new TrustAnything()}, null);
            } else if (trust.caFile() != null) {
                tls = SSLContext.getInstance("TLS");
                tls.init(null, withExtraCas(trust.caFile()), null);
            } else {
                tls = SSLContext.getDefault();
            }
        } catch (GeneralSecurityException e) {
            throw HakoException.internal("cannot set up TLS: " + e.getMessage(), e);
        }
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER) // followed by hand, to drop credentials off-host
                .connectTimeout(connectTimeout)
                .sslContext(tls)
                .build();
    }

    /** The JVM's default CAs plus every certificate of the PEM bundle. */
    private static TrustManager[] withExtraCas(Path caFile) throws GeneralSecurityException {
        Collection<? extends Certificate> extra;
        try (InputStream in = Files.newInputStream(caFile)) {
            extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException | GeneralSecurityException e) {
            throw HakoException.failedPrecondition("ca_file " + caFile + ": cannot load a PEM certificate bundle: " + e.getMessage());
        }
        if (extra.isEmpty()) {
            throw HakoException.failedPrecondition("ca_file " + caFile + ": holds no PEM certificate");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new GeneralSecurityException(e);
        }
        TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        defaults.init((KeyStore) null);
        int i = 0;
        for (TrustManager tm : defaults.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                for (X509Certificate c : x.getAcceptedIssuers()) {
                    store.setCertificateEntry("default-" + i++, c);
                }
            }
        }
        for (Certificate c : extra) {
            store.setCertificateEntry("ca-file-" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    @Override
    public void close() {
        clients.values().forEach(HttpClient::shutdownNow);
        clients.clear();
    }

    /**
     * Accepts any certificate for any name. Being an X509ExtendedTrustManager, it also stands in
     * for the JDK's hostname check, so insecure hosts skip it without a JVM-wide system property.
     */
    private static final class TrustAnything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
