package dev.hako.testing.registry;

import dev.hako.image.spec.Digest;
import dev.hako.testing.TempDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code docker-registry} (distribution 2.8) process on 127.0.0.1 and a free port, with its
 * storage in a temporary directory. Started ready to serve ({@code /v2/} answers); killed and
 * deleted by {@link #close()}, or by a shutdown hook if a test forgets.
 */
public final class RegistryServer implements AutoCloseable {
    private static final String BINARY = "/usr/bin/docker-registry";
    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly)));
    }

    private final Path dir;
    private final Process process;
    private final int port;
    private final TestCa ca;

    private RegistryServer(Path dir, Process process, int port, TestCa ca) {
        this.dir = dir;
        this.process = process;
        this.port = port;
        this.ca = ca;
    }

    /** Plain HTTP, no authentication. */
    public static RegistryServer plain() {
        return start(null, dir -> "");
    }

    /** HTTPS with a certificate for 127.0.0.1 signed by {@code ca}. */
    public static RegistryServer tls(TestCa ca) {
        return start(ca, dir -> "");
    }

    /**
     * htpasswd (bcrypt) Basic authentication over plain HTTP: distribution 2.8 does not insist on
     * TLS for it, so clients need {@code insecure = true}; {@link #ca()} is null.
     */
    public static RegistryServer basicAuth(String user, String password) {
        return start(null, dir -> {
            Path file = dir.resolve("htpasswd");
            Files.writeString(file, htpasswd(user, password));
            return """
                    auth:
                      htpasswd:
                        realm: hako-test
                        path: %s
                    """.formatted(file);
        });
    }

    /** Token authentication against {@code tokens}, over plain HTTP. */
    public static RegistryServer tokenAuth(TokenServer tokens) {
        return start(null, dir -> """
                auth:
                  token:
                    realm: %s
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(tokens.realm(), tokens.service(), tokens.issuer(), tokens.rootCertBundle()));
    }

    /** {@code 127.0.0.1:PORT}, the registry host as image references name it. */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public URI baseUri() {
        return URI.create((ca != null ? "https" : "http") + "://" + host());
    }

    /** The CA of a TLS registry, or null for plain HTTP. */
    public TestCa ca() {
        return ca;
    }

    /** The storage file of a blob (manifests are blobs too), for corruption tests. */
    public Path blobData(Digest d) {
        return dir.resolve("storage/docker/registry/v2/blobs").resolve(d.algorithm()).resolve(d.hex().substring(0, 2))
                .resolve(d.hex()).resolve("data");
    }

    /** The registry's own log (stdout and stderr), for diagnosing a failing test. */
    public Path logFile() {
        return dir.resolve("registry.log");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        LIVE.remove(process);
        TempDirs.delete(dir);
    }

    /** Writes what the auth section needs into the server's directory and returns the YAML. */
    @FunctionalInterface
    private interface AuthSetup {
        String yaml(Path dir) throws IOException;
    }

    private static RegistryServer start(TestCa ca, AuthSetup auth) {
        Path dir;
        String authYaml;
        try {
            dir = TempDirs.create("hako-reg-");
            authYaml = auth.yaml(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String tlsYaml = "";
        if (ca != null) {
            TestCa.Issued cert = ca.issueServerCert();
            tlsYaml = "  tls:\n    certificate: %s\n    key: %s\n".formatted(cert.certPem(), cert.keyPem());
        }
        String failures = "";
        for (int tries = 0; tries < 5; tries++) {
            int port = freePort();
            Path config = dir.resolve("config.yml");
            Process p;
            try {
                Files.writeString(config, """
                        version: 0.1
                        log:
                          level: warn
                          accesslog:
                            disabled: true
                        storage:
                          filesystem:
                            rootdirectory: %s
                          delete:
                            enabled: true
                        http:
                          addr: 127.0.0.1:%d
                          secret: hako-test-secret
                        %s%s""".formatted(dir.resolve("storage"), port, tlsYaml, authYaml));
                p = new ProcessBuilder(BINARY, "serve", config.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("registry.log").toFile())
                        .start();
            } catch (IOException e) {
                TempDirs.delete(dir);
                throw new UncheckedIOException("cannot start " + BINARY, e);
            }
            LIVE.add(p);
            RegistryServer server = new RegistryServer(dir, p, port, ca);
            String why = server.awaitReady();
            if (why == null) {
                return server;
            }
            p.destroyForcibly();
            LIVE.remove(p);
            failures = why;
            if (!why.contains("address already in use")) {
                break;
            }
        }
        TempDirs.delete(dir);
        throw new IllegalStateException("docker-registry did not start: " + failures);
    }

    /** Null once {@code /v2/} answers as a registry; otherwise why not (with the registry's log). */
    private String awaitReady() {
        try (HttpClient client = TestHttp.client(ca)) {
            return awaitReady(client);
        }
    }

    private String awaitReady(HttpClient client) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return "exited with " + process.exitValue() + ": " + log();
            }
            try {
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(baseUri().resolve("/v2/"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
                if (r.headers().firstValue("Docker-Distribution-Api-Version").isPresent()) {
                    return null;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
        return "no answer on " + baseUri() + " within 20 s: " + log();
    }

    private String log() {
        try {
            String text = Files.readString(logFile(), StandardCharsets.UTF_8);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static String htpasswd(String user, String password) throws IOException {
        Process p = new ProcessBuilder("htpasswd", "-Bbn", user, password).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IOException("htpasswd failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return out.strip() + "\n";
    }

    /** A port nothing listens on right now; the caller retries if someone takes it meanwhile. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
