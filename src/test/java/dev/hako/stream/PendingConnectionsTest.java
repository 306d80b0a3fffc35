package dev.hako.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.config.StreamSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connections that never send their request cannot pile up on the stream server: each is closed at the
 * request timeout (seconds, not the 4 h idle timeout), beyond max_pending_connections they are closed
 * at once, and a real exec goes through meanwhile.
 */
class PendingConnectionsTest {
    private final HostProcessBackend backend = new HostProcessBackend();
    private final List<Socket> sockets = new ArrayList<>();
    private StreamServer server;

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private Socket silent() throws IOException {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(server.address(), 5000);
        return s;
    }

    /** Whether the server closed {@code s} within {@code millis} (end of file or a reset). */
    private static boolean closedWithin(Socket s, long millis) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return false;
            }
            s.setSoTimeout((int) Math.max(1, left));
            try {
                if (s.getInputStream().read() == -1) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true; // reset
            }
        }
    }

    private void execWorks() throws Exception {
        String url = server.execUrl("c1", List.of("echo", "through"), false, false, true, false);
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v4.channel.k8s.io")) {
            assertThat(c.status()).isEqualTo(101);
            int error = c.open("error");
            int stdout = c.open("stdout");
            assertThat(c.stream(stdout).await()).isEqualTo("through\n");
            assertThat(c.stream(error).await()).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
        }
    }

    @Test
    void silentConnectionsAreClosedAtTheRequestTimeoutWhileExecWorks() throws Exception {
        server = new StreamServer(new StreamSettings("127.0.0.1", 0, null, null, Duration.ofHours(4), 100,
                Duration.ofSeconds(2), StreamSettings.DEFAULT_MAX_PENDING_CONNECTIONS), backend).start();
        List<Socket> idle = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            idle.add(silent());
        }
        Socket partial = silent(); // half a request line, then nothing
        partial.getOutputStream().write("GET /exec/".getBytes());
        partial.getOutputStream().flush();
        execWorks();
        for (Socket s : idle) {
            assertThat(closedWithin(s, 20_000)).as("a silent connection was closed").isTrue();
        }
        assertThat(closedWithin(partial, 20_000)).as("a connection with half a request was closed").isTrue();
        execWorks();
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnceAndPlacesComeBack() throws Exception {
        server = new StreamServer(new StreamSettings("127.0.0.1", 0, null, null, Duration.ofHours(4), 100,
                Duration.ofMinutes(10), 8), backend).start();
        List<Socket> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            all.add(silent());
        }
        // which ones are refused depends on the order the server's event loops take them up
        long t0 = System.nanoTime();
        int closed = 0;
        for (Socket s : all) {
            long left = 10_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            if (closedWithin(s, Math.max(left, 200))) {
                closed++;
            }
        }
        assertThat(closed).as("connections beyond the 8 allowed to wait were closed, the others stay").isEqualTo(4);
        for (Socket s : all) {
            s.close();
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) { // the server notices the closes on its own time
            try {
                execWorks();
                break;
            } catch (Exception | AssertionError e) {
                if (System.nanoTime() > until) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
