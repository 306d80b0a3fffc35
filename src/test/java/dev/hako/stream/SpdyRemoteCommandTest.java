package dev.hako.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.config.StreamSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SpdyRemoteCommandTest {
    private final HostProcessBackend backend = new HostProcessBackend();
    private StreamServer server;

    private StreamServer start(StreamSettings settings) throws Exception {
        server = new StreamServer(settings, backend).start();
        return server;
    }

    private StreamServer start() throws Exception {
        return start(new StreamSettings("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void execWithStdinReportsNonZeroExitAsV4Status() throws Exception {
        start();
        String url = server.execUrl("c1", List.of("sh", "-c", "cat; echo oops >&2; exit 3"), false, true, true, true);
        assertThat(url).matches("http://127\\.0\\.0\\.1:\\d+/exec/[A-Za-z0-9_-]{32}");
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v4.channel.k8s.io", "v3.channel.k8s.io")) {
            assertThat(c.status()).isEqualTo(101);
            assertThat(c.header("X-Stream-Protocol-Version")).isEqualTo("v4.channel.k8s.io");
            int error = c.open("error");
            int stdin = c.open("stdin");
            int stdout = c.open("stdout");
            int stderr = c.open("stderr");
            c.write(stdin, "hello ");
            c.write(stdin, "world\n");
            c.finish(stdin);
            assertThat(c.stream(stdout).await()).isEqualTo("hello world\n");
            assertThat(c.stream(stderr).await()).isEqualTo("oops\n");
            assertThat(c.stream(error).await()).isEqualTo("{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: "
                    + "error executing command [sh -c cat; echo oops >&2; exit 3], exit code 3\",\"reason\":\"NonZeroExitCode\","
                    + "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}");
            c.closed().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void successfulExecReportsSuccessStatus() throws Exception {
        start();
        String url = server.execUrl("c1", List.of("echo", "hi"), false, false, true, false);
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v4.channel.k8s.io")) {
            int error = c.open("error");
            int stdout = c.open("stdout");
            assertThat(c.stream(stdout).await()).isEqualTo("hi\n");
            assertThat(c.stream(error).await()).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
        }
    }

    @Test
    void olderProtocolsGetAPlainMessageOnlyOnFailure() throws Exception {
        start();
        String url = server.execUrl("c1", List.of("sh", "-c", "exit 5"), false, false, true, false);
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v2.channel.k8s.io")) {
            assertThat(c.header("X-Stream-Protocol-Version")).isEqualTo("v2.channel.k8s.io");
            int error = c.open("error");
            c.open("stdout");
            assertThat(c.stream(error).await()).isEqualTo("command terminated with non-zero exit code: error executing command [sh -c exit 5], exit code 5");
        }
        url = server.execUrl("c1", List.of("true"), false, false, true, false);
        try (SpdyTestClient c = SpdyTestClient.connect(url, "channel.k8s.io")) {
            int error = c.open("error");
            c.open("stdout");
            assertThat(c.stream(error).await()).isEmpty();
        }
    }

    @Test
    void backendFailureIsShownToTheUser() throws Exception {
        start();
        String url = server.execUrl("c1", List.of("no-such-command"), false, false, true, false);
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v4.channel.k8s.io")) {
            int error = c.open("error");
            c.open("stdout");
            assertThat(c.stream(error).await())
                    .contains("\"status\":\"Failure\"")
                    .contains("executable file not found in $PATH")
                    .contains("\"reason\":\"InternalError\"");
        }
    }

    @Test
    void ttyExecDeliversResizeEvents() throws Exception {
        start();
        String url = server.execUrl("c1", List.of("cat"), true, true, true, true);
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v4.channel.k8s.io")) {
            int error = c.open("error");
            int stdin = c.open("stdin");
            int stdout = c.open("stdout");
            int resize = c.open("resize");
            c.write(resize, "{\"Width\":100,\"Height\":40}");
            c.write(resize, "{\"Width\":120,");
            c.write(resize, "\"Height\":50}");
            assertThat(backend.firstResize.await(10, TimeUnit.SECONDS)).isTrue();
            c.write(stdin, "typed\n");
            c.finish(stdin);
            assertThat(c.stream(stdout).await()).isEqualTo("typed\n");
            assertThat(c.stream(error).await()).contains("Success");
            assertThat(backend.resizes).containsExactly(new TerminalSize(100, 40), new TerminalSize(120, 50));
        }
    }

    @Test
    void unsupportedProtocolVersionIsRefused() throws Exception {
        start();
        String url = server.execUrl("c1", List.of("true"), false, false, true, false);
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v9.channel.k8s.io")) {
            assertThat(c.status()).isEqualTo(403);
            assertThat(c.header("X-Accepted-Stream-Protocol-Versions")).contains("v4.channel.k8s.io");
        }
    }

    @Test
    void clientKilledMidStreamInterruptsTheBackend() throws Exception {
        start();
        String url = server.execUrl("c1", List.of("sleep", "60"), false, true, true, false);
        SpdyTestClient c = SpdyTestClient.connect(url, "v4.channel.k8s.io");
        c.open("error");
        c.open("stdin");
        c.open("stdout");
        assertThat(backend.started.await(10, TimeUnit.SECONDS)).isTrue();
        c.close();
        assertThat(backend.killed.await(10, TimeUnit.SECONDS)).as("backend saw the interruption and killed its process").isTrue();
    }

    @Test
    void sessionsBeyondMaxSessionsAreRefused() throws Exception {
        start(new StreamSettings("127.0.0.1", 0, null, null, Duration.ofHours(4), 1));
        String first = server.execUrl("c1", List.of("cat"), false, true, true, false);
        String second = server.execUrl("c1", List.of("true"), false, false, true, false);
        try (SpdyTestClient c = SpdyTestClient.connect(first, "v4.channel.k8s.io")) {
            assertThat(c.status()).isEqualTo(101);
            int error = c.open("error");
            int stdin = c.open("stdin");
            c.open("stdout");
            assertThat(backend.started.await(10, TimeUnit.SECONDS)).isTrue();
            try (SpdyTestClient refused = SpdyTestClient.connect(second, "v4.channel.k8s.io")) {
                assertThat(refused.status()).isEqualTo(429);
                assertThat(refused.body()).contains("max_sessions = 1");
            }
            c.finish(stdin);
            assertThat(c.stream(error).await()).contains("Success");
            c.closed().get(10, TimeUnit.SECONDS);
        }
        // the slot is free again, and the refused token was not consumed
        Thread.sleep(200);
        try (SpdyTestClient c = SpdyTestClient.connect(second, "v4.channel.k8s.io")) {
            assertThat(c.status()).isEqualTo(101);
        }
    }

    @Test
    void slowClientBlocksOnlyItsOwnProcess() throws Exception {
        start();
        long total = 64L << 20;
        String url = server.execUrl("c1", List.of("head", "-c", String.valueOf(total), "/dev/zero"), false, false, true, false);
        try (SpdyTestClient slow = SpdyTestClient.connect(url, "v4.channel.k8s.io")) {
            slow.pauseReading();
            int error = slow.open("error");
            int stdout = slow.open("stdout");
            assertThat(backend.started.await(10, TimeUnit.SECONDS)).isTrue();
            // nobody reads, so the writer must be held back rather than buffered in the daemon
            assertThat(backend.exited.await(2, TimeUnit.SECONDS)).as("process blocked by back-pressure").isFalse();
            // the same server keeps serving other sessions meanwhile
            String quick = server.execUrl("c1", List.of("echo", "meanwhile"), false, false, true, false);
            try (SpdyTestClient c = SpdyTestClient.connect(quick, "v4.channel.k8s.io")) {
                int e = c.open("error");
                int o = c.open("stdout");
                assertThat(c.stream(o).await()).isEqualTo("meanwhile\n");
                assertThat(c.stream(e).await()).contains("Success");
            }
            slow.resumeReading();
            slow.stream(stdout).done.get(60, TimeUnit.SECONDS);
            assertThat(slow.stream(stdout).count).isEqualTo(total);
            assertThat(slow.stream(error).await()).contains("Success");
        }
    }

    @Test
    void largeStdinFlowsThroughTheBoundedPipe() throws Exception {
        start();
        String url = server.execUrl("c1", List.of("wc", "-c"), false, true, true, false);
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v4.channel.k8s.io")) {
            int error = c.open("error");
            int stdin = c.open("stdin");
            int stdout = c.open("stdout");
            String chunk = "x".repeat(32 * 1024);
            for (int i = 0; i < 160; i++) { // 5 MiB, far above the pipe's high-water mark
                c.write(stdin, chunk);
            }
            c.finish(stdin);
            assertThat(c.stream(stdout).await().trim()).isEqualTo(String.valueOf(160 * 32 * 1024));
            assertThat(c.stream(error).await()).contains("Success");
        }
    }

    @Test
    void attachRunsTheBackendsAttach() throws Exception {
        start();
        String url = server.attachUrl("c1", false, true, true, false);
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v4.channel.k8s.io")) {
            int error = c.open("error");
            int stdin = c.open("stdin");
            int stdout = c.open("stdout");
            c.write(stdin, "attached\n");
            c.finish(stdin);
            assertThat(c.stream(stdout).await()).isEqualTo("attached\n");
            assertThat(c.stream(error).await()).isEqualTo("{\"metadata\":{},\"status\":\"Success\"}");
        }
    }

    @Test
    void idleSessionsAreClosed() throws Exception {
        start(new StreamSettings("127.0.0.1", 0, null, null, Duration.ofMillis(700), 10));
        String url = server.execUrl("c1", List.of("cat"), false, true, true, false);
        try (SpdyTestClient c = SpdyTestClient.connect(url, "v4.channel.k8s.io")) {
            c.open("error");
            c.open("stdin");
            c.open("stdout");
            assertThat(backend.started.await(10, TimeUnit.SECONDS)).isTrue();
            c.closed().get(10, TimeUnit.SECONDS);
            assertThat(backend.killed.await(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
