package dev.hako.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.hako.config.StreamSettings;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SpdyPortForwardTest {
    private final HostProcessBackend backend = new HostProcessBackend();
    private StreamServer server;
    private HttpServer web;

    @BeforeEach
    void startServers() throws Exception {
        web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        web.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        web.createContext("/", exchange -> {
            byte[] body = ("hello from " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        web.start();
        server = new StreamServer(new StreamSettings("127.0.0.1", 0), backend).start();
    }

    @AfterEach
    void stop() {
        server.close();
        web.stop(0);
    }

    private record Request(int data, int error) {}

    private static Request open(SpdyTestClient c, int port, String requestId) throws Exception {
        int error = c.open(Map.of("streamtype", "error", "port", String.valueOf(port), "requestid", requestId));
        int data = c.open(Map.of("streamtype", "data", "port", String.valueOf(port), "requestid", requestId));
        return new Request(data, error);
    }

    @Test
    void twentyConcurrentRequestsOnOneConnection() throws Exception {
        int port = web.getAddress().getPort();
        String url = server.portForwardUrl("pod1", List.of(port));
        try (SpdyTestClient c = SpdyTestClient.connect(url, "portforward.k8s.io")) {
            assertThat(c.status()).isEqualTo(101);
            assertThat(c.header("X-Stream-Protocol-Version")).isEqualTo("portforward.k8s.io");
            List<Request> requests = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                requests.add(open(c, port, String.valueOf(i)));
            }
            for (int i = 0; i < 20; i++) {
                c.write(requests.get(i).data(), "GET /r" + i + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                c.finish(requests.get(i).data());
            }
            for (int i = 0; i < 20; i++) {
                assertThat(c.stream(requests.get(i).data()).await()).startsWith("HTTP/1.1 200").endsWith("hello from /r" + i);
                assertThat(c.stream(requests.get(i).error()).await()).isEmpty();
            }
        }
    }

    @Test
    void nothingListeningIsReportedOnTheErrorStreamAndTheConnectionStaysUp() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String url = server.portForwardUrl("pod1", List.of(closedPort, web.getAddress().getPort()));
        try (SpdyTestClient c = SpdyTestClient.connect(url, "portforward.k8s.io")) {
            Request failed = open(c, closedPort, "1");
            assertThat(c.stream(failed.error()).await()).contains("error forwarding port " + closedPort + " to pod pod1").contains("refused");
            assertThat(c.isOpen()).isTrue();
            int port = web.getAddress().getPort();
            Request ok = open(c, port, "2");
            c.write(ok.data(), "GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            c.finish(ok.data());
            assertThat(c.stream(ok.data()).await()).endsWith("hello from /after");
        }
    }

    @Test
    void errorStreamEndsWhenThePodIsDoneEvenIfTheClientKeepsItsSideOpen() throws Exception {
        int port = web.getAddress().getPort();
        String url = server.portForwardUrl("pod1", List.of(port));
        try (SpdyTestClient c = SpdyTestClient.connect(url, "portforward.k8s.io")) {
            Request r = open(c, port, "1");
            c.write(r.data(), "GET /open HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(c.stream(r.data()).await()).endsWith("hello from /open");
            assertThat(c.stream(r.error()).await()).isEmpty();
            c.reset(r.data());
            c.reset(r.error());
        }
    }

    @Test
    void portsOutsideTheRequestAreRefused() throws Exception {
        int port = web.getAddress().getPort();
        String url = server.portForwardUrl("pod1", List.of(port + 1 > 65535 ? port - 1 : port + 1));
        try (SpdyTestClient c = SpdyTestClient.connect(url, "portforward.k8s.io")) {
            Request r = open(c, port, "1");
            assertThat(c.stream(r.error()).await()).isEqualTo("port " + port + " was not requested for this port forward session");
        }
    }

    @Test
    void clientGoneClosesForwardedConnections() throws Exception {
        try (ServerSocket listener = new ServerSocket(0)) {
            String url = server.portForwardUrl("pod1", List.of(listener.getLocalPort()));
            SpdyTestClient c = SpdyTestClient.connect(url, "portforward.k8s.io");
            open(c, listener.getLocalPort(), "1");
            try (var accepted = listener.accept()) {
                c.close();
                accepted.setSoTimeout((int) TimeUnit.SECONDS.toMillis(10));
                assertThat(accepted.getInputStream().read()).as("pod side sees EOF once the client left").isEqualTo(-1);
            }
        }
    }
}
