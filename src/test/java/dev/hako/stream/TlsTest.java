package dev.hako.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.StreamSettings;
import dev.hako.testing.WsChannels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsTest {
    @TempDir
    Path dir;
    private final HostProcessBackend backend = new HostProcessBackend();
    private StreamServer server;
    private Path cert;
    private Path key;

    @BeforeEach
    void makeCertificate() throws Exception {
        cert = dir.resolve("stream.crt");
        key = dir.resolve("stream.key");
        Process p;
        try {
            p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key.toString(), "-out", cert.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("openssl is not installed: " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        server = new StreamServer(new StreamSettings("127.0.0.1", 0, cert, key, Duration.ofHours(1), 10), backend).start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void spdyExecOverTls() throws Exception {
        String url = server.execUrl("c1", List.of("echo", "secret"), false, false, true, false);
        assertThat(url).startsWith("https://127.0.0.1:");
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v4.channel.k8s.io")) {
            assertThat(c.status()).isEqualTo(101);
            int error = c.open("error");
            int stdout = c.open("stdout");
            assertThat(c.stream(stdout).await()).isEqualTo("secret\n");
            assertThat(c.stream(error).await()).contains("Success");
        }
    }

    @Test
    void webSocketExecOverTls() throws Exception {
        SSLContext trustAll = SSLContext.getInstance("TLS");
        trustAll.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, new SecureRandom());
        String url = server.execUrl("c1", List.of("echo", "wss"), false, false, true, false);
        try (WsChannels c = WsChannels.connect(url, "v4.channel.k8s.io", trustAll)) {
            assertThat(c.awaitClose(Duration.ofSeconds(20))).isTrue();
            assertThat(c.text(1)).isEqualTo("wss\n");
        }
    }

    @Test
    void unreadableKeyStopsStartup() throws Exception {
        Path bad = dir.resolve("bad.key");
        Files.writeString(bad, "not a key");
        StreamServer broken = new StreamServer(new StreamSettings("127.0.0.1", 0, cert, bad, Duration.ofHours(1), 10), backend);
        assertThatThrownBy(broken::start).isInstanceOf(IOException.class).hasMessageContaining("TLS certificate");
    }
}
