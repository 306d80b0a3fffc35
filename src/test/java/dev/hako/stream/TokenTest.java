package dev.hako.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.config.StreamSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TokenTest {
    private final HostProcessBackend backend = new HostProcessBackend();
    private StreamServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static int get(String url) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
    }

    @Test
    void tokensAreSingleUse() throws Exception {
        server = new StreamServer(new StreamSettings("127.0.0.1", 0), backend).start();
        String url = server.execUrl("c1", List.of("echo", "once"), false, false, true, false);
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v4.channel.k8s.io")) {
            assertThat(c.status()).isEqualTo(101);
            int error = c.open("error");
            c.open("stdout");
            assertThat(c.stream(error).await()).contains("Success");
        }
        try (SpdyTestClient again = SpdyTestClient.connect(url, "v4.channel.k8s.io")) {
            assertThat(again.status()).isEqualTo(404);
        }
    }

    @Test
    void unknownTokensAndPathsAre404() throws Exception {
        server = new StreamServer(new StreamSettings("127.0.0.1", 0), backend).start();
        String base = "http://127.0.0.1:" + server.address().getPort();
        assertThat(get(base + "/exec/not-a-token")).isEqualTo(404);
        assertThat(get(base + "/")).isEqualTo(404);
        String execUrl = server.execUrl("c1", List.of("true"), false, false, true, false);
        // a token is only good for the kind of session it was issued for
        assertThat(get(execUrl.replace("/exec/", "/attach/"))).isEqualTo(404);
        // a plain GET is no upgrade, and does not use up the token
        assertThat(get(execUrl + "?command=true&stdout=1")).isEqualTo(400);
        try (SpdyTestClient c = SpdyTestClient.connect(execUrl + "?command=ignored", "v4.channel.k8s.io")) {
            assertThat(c.status()).isEqualTo(101);
        }
    }

    @Test
    void expiredTokensAre404() throws Exception {
        server = new StreamServer(new StreamSettings("127.0.0.1", 0), backend, Duration.ofMillis(100)).start();
        String url = server.execUrl("c1", List.of("true"), false, false, true, false);
        Thread.sleep(300);
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v4.channel.k8s.io")) {
            assertThat(c.status()).isEqualTo(404);
        }
    }

    @Test
    void urlsCarryLongRandomTokens() throws Exception {
        server = new StreamServer(new StreamSettings("127.0.0.1", 0), backend).start();
        String a = server.attachUrl("c1", true, true, true, false);
        String b = server.portForwardUrl("p1", List.of(80));
        assertThat(a).matches("http://127\\.0\\.0\\.1:\\d+/attach/[A-Za-z0-9_-]{32}");
        assertThat(b).matches("http://127\\.0\\.0\\.1:\\d+/portforward/[A-Za-z0-9_-]{32}");
    }
}
