package dev.hako.sys;

import static dev.hako.testing.Commands.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hako.testing.TempDirs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A python3 web server inside a fresh network namespace, reached only through the dialer. */
class NetnsDialerIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static String name;
    private static Path netns;
    private static Path webRoot;
    private static int port;
    private static Process server;

    @BeforeAll
    static void namespaceWithAWebServer() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for ip netns");
        name = "hako-dial-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        check("ip", "netns", "add", name);
        netns = Path.of("/run/netns", name);
        check("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up");
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort(); // free on the host, and so (after close) nothing listens there
        }
        webRoot = TempDirs.create("hako-dial-web");
        Files.writeString(webRoot.resolve("hello.txt"), "hello from the pod\n");
        server = new ProcessBuilder("ip", "netns", "exec", name, "python3", "-m", "http.server", String.valueOf(port),
                "--bind", "127.0.0.1").directory(webRoot.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) { // python takes a moment to start listening
            try (SocketChannel ignored = NetnsDialer.connect(netns, port, TIMEOUT)) {
                return;
            } catch (ConnectException e) {
                if (System.nanoTime() > deadline || !server.isAlive()) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    @AfterAll
    static void removeNamespace() throws Exception {
        if (server != null) {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
        if (name != null) {
            check("ip", "netns", "del", name);
        }
        TempDirs.delete(webRoot);
    }

    @Test
    void fetchesAPageFromInsideTheNamespaceOnAVirtualThread() throws Exception {
        String ownNamespace = ownNamespace();
        String[] page = new String[1];
        Throwable[] failure = new Throwable[1];
        Thread caller = Thread.ofVirtual().start(() -> {
            try (SocketChannel ch = NetnsDialer.connect(netns, port, TIMEOUT)) {
                page[0] = get(ch, "/hello.txt");
            } catch (Throwable t) {
                failure[0] = t;
            }
        });
        caller.join();
        assertThat(failure[0]).isNull();
        assertThat(page[0]).startsWith("HTTP/1.0 200").endsWith("hello from the pod\n");
        assertThat(ownNamespace()).isEqualTo(ownNamespace);
    }

    @Test
    void theChannelWorksFromAnotherThreadThanTheOneThatDialed() throws Exception {
        SocketChannel ch = NetnsDialer.connect(netns, port, TIMEOUT);
        Thread.ofPlatform().start(() -> {}).join();
        try (ch) {
            assertThat(get(ch, "/hello.txt")).contains("hello from the pod");
        }
    }

    @Test
    void theHostHasNothingOnThatPort() {
        assertThatThrownBy(() -> NetnsDialer.connect(null, port, TIMEOUT))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("nothing listens on port " + port + " on the host");
    }

    @Test
    void aClosedPortInTheNamespaceSaysNothingListensThere() throws Exception {
        int closed = port == 65535 ? port - 1 : port + 1;
        assertThatThrownBy(() -> NetnsDialer.connect(netns, closed, TIMEOUT))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("nothing listens on port " + closed + " in network namespace " + netns);
    }

    @Test
    void afterADialIntoThePodAHostDialReachesTheHost() throws Exception {
        NetnsDialer.connect(netns, port, TIMEOUT).close();
        try (ServerSocketChannel host = ServerSocketChannel.open()) {
            host.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int hostPort = ((InetSocketAddress) host.getLocalAddress()).getPort();
            try (SocketChannel ch = NetnsDialer.connect(null, hostPort, TIMEOUT);
                    SocketChannel accepted = host.accept()) {
                ch.write(ByteBuffer.wrap("hi".getBytes(StandardCharsets.UTF_8)));
                ByteBuffer got = ByteBuffer.allocate(2);
                while (got.hasRemaining() && accepted.read(got) >= 0) {
                    // until both bytes are in
                }
                assertThat(new String(got.array(), StandardCharsets.UTF_8)).isEqualTo("hi");
            }
        }
    }

    @Test
    void aServerOnIpv6LoopbackOnlyIsReachedThroughTheFallback() throws Exception {
        int v6port = port == 65535 ? port - 2 : port + 2;
        Process v6 = new ProcessBuilder("ip", "netns", "exec", name, "python3", "-m", "http.server",
                String.valueOf(v6port), "--bind", "::1").directory(webRoot.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                try (SocketChannel ch = NetnsDialer.connect(netns, v6port, TIMEOUT)) {
                    assertThat(((InetSocketAddress) ch.getRemoteAddress()).getAddress().getHostAddress())
                            .isIn("::1", "0:0:0:0:0:0:0:1");
                    assertThat(get(ch, "/hello.txt")).contains("hello from the pod");
                    return;
                } catch (ConnectException e) {
                    if (System.nanoTime() > deadline || !v6.isAlive()) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        } finally {
            v6.destroyForcibly();
            v6.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aMissingNamespaceIsNamed() {
        Path missing = Path.of("/run/netns", name + "-missing");
        assertThatThrownBy(() -> NetnsDialer.connect(missing, port, TIMEOUT))
                .hasMessageContaining(missing.toString());
    }

    private static String get(SocketChannel ch, String path) throws IOException {
        ch.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (ch.read(buf) >= 0) {
            response.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        return response.toString(StandardCharsets.UTF_8);
    }

    private static String ownNamespace() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
    }
}
