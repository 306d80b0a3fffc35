package dev.hako.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.hako.config.StreamSettings;
import dev.hako.testing.WsChannels;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WebSocketTest {
    private final HostProcessBackend backend = new HostProcessBackend();
    private StreamServer server;

    @BeforeEach
    void start() throws Exception {
        server = new StreamServer(new StreamSettings("127.0.0.1", 0), backend).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void binaryV4ExecReportsExitCodeStatus() throws Exception {
        String url = server.execUrl("c1", List.of("sh", "-c", "echo out; echo err >&2; exit 2"), false, false, true, true);
        try (WsChannels c = WsChannels.connect(url, "v4.channel.k8s.io")) {
            assertThat(c.protocol()).isEqualTo("v4.channel.k8s.io");
            assertThat(c.awaitClose(Duration.ofSeconds(20))).isTrue();
            assertThat(c.text(1)).isEqualTo("out\n");
            assertThat(c.text(2)).isEqualTo("err\n");
            assertThat(c.text(3)).isEqualTo("{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: "
                    + "error executing command [sh -c echo out; echo err >&2; exit 2], exit code 2\",\"reason\":\"NonZeroExitCode\","
                    + "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"2\"}]}}");
            // the kubelet's greeting: an empty message on stdout before anything else
            assertThat(c.messages().getFirst()).containsExactly(1);
        }
    }

    @Test
    void base64ExecWithStdinAndV5CloseSignal() throws Exception {
        String url = server.execUrl("c1", List.of("cat"), false, true, true, false);
        try (WsChannels c = WsChannels.connect(url, "v4.base64.channel.k8s.io")) {
            assertThat(c.protocol()).isEqualTo("v4.base64.channel.k8s.io");
            c.send(0, "through base64\n");
            assertThat(backend.started.await(10, TimeUnit.SECONDS)).isTrue();
            // v4 cannot close stdin; leaving ends the session and kills the process
        }
        assertThat(backend.killed.await(10, TimeUnit.SECONDS)).isTrue();

        String v5 = server.execUrl("c1", List.of("cat"), false, true, true, false);
        try (WsChannels c = WsChannels.connect(v5, "v5.channel.k8s.io")) {
            c.send(0, "hello v5\n");
            c.sendRaw((byte) 255, (byte) 0);
            assertThat(c.awaitClose(Duration.ofSeconds(20))).isTrue();
            assertThat(c.text(1)).isEqualTo("hello v5\n");
            assertThat(c.text(3)).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
        }
    }

    @Test
    void legacyChannelProtocolWritesPlainErrors() throws Exception {
        String url = server.execUrl("c1", List.of("sh", "-c", "exit 4"), false, false, true, false);
        try (WsChannels c = WsChannels.connect(url, "channel.k8s.io")) {
            assertThat(c.awaitClose(Duration.ofSeconds(20))).isTrue();
            assertThat(c.text(3)).isEqualTo("command terminated with non-zero exit code: error executing command [sh -c exit 4], exit code 4");
        }
    }

    @Test
    void ttyResizeOverWebSocket() throws Exception {
        String url = server.execUrl("c1", List.of("cat"), true, true, true, false);
        try (WsChannels c = WsChannels.connect(url, "v5.channel.k8s.io")) {
            c.send(4, "{\"Width\":80,\"Height\":24}");
            assertThat(backend.firstResize.await(10, TimeUnit.SECONDS)).isTrue();
            c.send(0, "x\n");
            c.sendRaw((byte) 255, (byte) 0);
            assertThat(c.awaitClose(Duration.ofSeconds(20))).isTrue();
            assertThat(c.text(1)).isEqualTo("x\n");
            assertThat(backend.resizes).containsExactly(new TerminalSize(80, 24));
        }
    }

    @Test
    void portForwardOverWebSocket() throws Exception {
        HttpServer web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        web.createContext("/", exchange -> {
            byte[] body = "forwarded".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        web.start();
        try {
            int port = web.getAddress().getPort();
            String url = server.portForwardUrl("pod1", List.of(port));
            try (WsChannels c = WsChannels.connect(url, "v4.channel.k8s.io")) {
                c.send(0, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!c.text(0).endsWith("forwarded") && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                byte[] portBytes = {(byte) port, (byte) (port >> 8)};
                assertThat(c.text(0)).endsWith("forwarded");
                // the first message on the data and on the error channel is the port, little-endian
                assertThat(c.messages().get(0)).containsExactly(0, portBytes[0], portBytes[1]);
                assertThat(c.messages().get(1)).containsExactly(1, portBytes[0], portBytes[1]);
                assertThat(c.text(0)).contains("HTTP/1.1 200 OK");
            }
        } finally {
            web.stop(0);
        }
    }

    @Test
    void portForwardErrorOverWebSocketGoesToTheErrorChannel() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String url = server.portForwardUrl("pod1", List.of(closedPort));
        try (WsChannels c = WsChannels.connect(url, "v4.base64.channel.k8s.io")) {
            assertThat(c.awaitClose(Duration.ofSeconds(20))).isTrue();
            assertThat(c.text(1)).contains("error forwarding port " + closedPort + " to pod pod1");
        }
    }
}
