package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.AttachRequest;
import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.ExecRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import dev.hako.testing.WsChannels;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Exec and attach through the daemon's stream server, spoken to over WebSocket (v4.channel.k8s.io). */
class StreamingIT {
    private static final String V4 = "v4.channel.k8s.io";
    static DaemonProcess d;
    static String pod;

    @BeforeAll
    static void setUp() throws Exception {
        d = PodFixture.daemonWithImages();
        pod = PodFixture.runPod(d, "streams");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (d != null) {
            d.close();
        }
    }

    private static String execUrl(String id, boolean tty, boolean stdin, boolean stderr, String... cmd) {
        return d.runtime().exec(ExecRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd)).setTty(tty)
                .setStdin(stdin).setStdout(true).setStderr(stderr).build()).getUrl();
    }

    @Test
    void execWithStdinReportsOutputAndTheExitCode() throws Exception {
        String id = PodFixture.start(d, pod, PodFixture.container("exec-target", "exec sleep 1000"));
        String url = execUrl(id, false, true, true, "sh", "-c", "head -c 5; echo; echo to-stderr >&2; exit 3");
        assertThat(url).matches("http://127\\.0\\.0\\.1:\\d+/exec/\\S+");
        try (WsChannels ws = WsChannels.connect(url, V4)) {
            ws.send(0, "hello");
            assertThat(ws.awaitClose(Duration.ofSeconds(20))).isTrue();
            assertThat(ws.text(1)).isEqualTo("hello\n");
            assertThat(ws.text(2)).isEqualTo("to-stderr\n");
            assertThat(ws.text(3)).contains("\"status\":\"Failure\"").contains("NonZeroExitCode")
                    .contains("\"reason\":\"ExitCode\",\"message\":\"3\"");
        }
        try (WsChannels ws = WsChannels.connect(execUrl(id, false, false, false, "echo", "fine"), V4)) {
            assertThat(ws.awaitClose(Duration.ofSeconds(20))).isTrue();
            assertThat(ws.text(1)).isEqualTo("fine\n");
            assertThat(ws.text(3)).contains("\"status\":\"Success\"");
        }
        // single use: the same URL again is refused
        assertThatThrownBy(() -> WsChannels.connect(url, V4)).hasStackTraceContaining("404");
    }

    @Test
    void execWithATerminalFollowsResizes() throws Exception {
        String id = PodFixture.start(d, pod, PodFixture.container("tty-target", "exec sleep 1000"));
        String url = execUrl(id, true, true, false, "sh", "-c", "sleep 1; stty size; read line; stty size");
        try (WsChannels ws = WsChannels.connect(url, V4)) {
            ws.resize(100, 30);
            assertThat(ws.await(1, "30 100", Duration.ofSeconds(10))).as(ws.text(1)).isTrue();
            ws.resize(120, 40);
            Thread.sleep(300);
            ws.send(0, "go\r");
            assertThat(ws.await(1, "40 120", Duration.ofSeconds(10))).as(ws.text(1)).isTrue();
            assertThat(ws.awaitClose(Duration.ofSeconds(10))).isTrue();
            assertThat(ws.text(3)).contains("Success");
        }
    }

    @Test
    void attachReachesStdinAndDetachingLeavesTheContainerRunning() throws Exception {
        String id = PodFixture.start(d, pod, PodFixture.container("echoer", "while read l; do echo got:$l; done")
                .setStdin(true));
        String url = d.runtime().attach(AttachRequest.newBuilder().setContainerId(id).setStdin(true).setStdout(true)
                .setStderr(true).build()).getUrl();
        try (WsChannels ws = WsChannels.connect(url, V4)) {
            ws.send(0, "hello\n");
            assertThat(ws.await(1, "got:hello", Duration.ofSeconds(10))).as(ws.text(1)).isTrue();
        }
        Thread.sleep(500);
        assertThat(PodFixture.status(d, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        // and again: a second attach sees new output
        String again = d.runtime().attach(AttachRequest.newBuilder().setContainerId(id).setStdin(true)
                .setStdout(true).build()).getUrl();
        try (WsChannels ws = WsChannels.connect(again, V4)) {
            ws.send(0, "again\n");
            assertThat(ws.await(1, "got:again", Duration.ofSeconds(10))).as(ws.text(1)).isTrue();
        }
    }

    @Test
    void portForwardReachesAServerInThePodTwentyAtOnce() throws Exception {
        PodFixture.start(d, pod, PodFixture.container("web",
                "mkdir -p /www && echo forwarded > /www/index.html && exec httpd -f -p 8081 -h /www"));
        List<java.util.concurrent.Future<String>> gets = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(20)) {
            for (int i = 0; i < 20; i++) {
                gets.add(pool.submit(() -> forwardedGet(8081)));
            }
            for (var g : gets) {
                assertThat(g.get(60, java.util.concurrent.TimeUnit.SECONDS)).contains("200 OK").contains("forwarded");
            }
        }
        // nothing listening: the error channel says so, for that port only
        String url = d.runtime().portForward(dev.hako.cri.v1.PortForwardRequest.newBuilder().setPodSandboxId(pod)
                .addPort(9).build()).getUrl();
        try (WsChannels ws = WsChannels.connect(url + "?ports=9", "portforward.k8s.io")) {
            assertThat(ws.await(1, "9", Duration.ofSeconds(10))).as(ws.text(1)).isTrue();
        }
    }

    /** One HTTP GET through a WebSocket port forward: channel 0 data, channel 1 errors, each opened with the port. */
    private static String forwardedGet(int port) throws Exception {
        String url = d.runtime().portForward(dev.hako.cri.v1.PortForwardRequest.newBuilder().setPodSandboxId(pod)
                .addPort(port).build()).getUrl();
        try (WsChannels ws = WsChannels.connect(url + "?ports=" + port, "portforward.k8s.io")) {
            ws.send(0, "GET / HTTP/1.0\r\n\r\n");
            ws.await(0, "forwarded", Duration.ofSeconds(20));
            String data = ws.text(0);
            return data.length() > 2 ? data.substring(2) : data; // the first frame carried the port
        }
    }

    @Test
    void attachWithoutStdinOrTerminalStreamsOutput() throws Exception {
        String id = PodFixture.start(d, pod, PodFixture.container("ticker",
                "i=0; while true; do echo tick-$i; echo tock-$i >&2; i=$((i+1)); sleep 0.2; done"));
        // asking for a terminal the container lacks is not an error: the container's setting wins
        String url = d.runtime().attach(AttachRequest.newBuilder().setContainerId(id).setTty(true)
                .setStdout(true).setStderr(true).build()).getUrl();
        try (WsChannels ws = WsChannels.connect(url, V4)) {
            assertThat(ws.await(1, "tick-", Duration.ofSeconds(10))).as(ws.text(1)).isTrue();
            assertThat(ws.await(2, "tock-", Duration.ofSeconds(10))).as(ws.text(2)).isTrue();
        }
        assertThat(PodFixture.status(d, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    }

    @Test
    void aClientThatGoesAwayLeavesNoProcessBehind() throws Exception {
        String id = PodFixture.start(d, pod, PodFixture.container("victim", "exec sleep 1000"));
        WsChannels ws = WsChannels.connect(execUrl(id, false, false, false, "sleep", "4242"), V4);
        assertThat(awaitProcess("sleep 4242", true)).as("the exec'd process runs").isTrue();
        ws.abort();
        assertThat(awaitProcess("sleep 4242", false)).as("the exec'd process is killed").isTrue();
        assertThat(PodFixture.status(d, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    }

    @Test
    void badRequestsAreRefusedNamingTheField() {
        String id = PodFixture.start(d, pod, PodFixture.container("plain", "exec sleep 1000"));
        assertThatThrownBy(() -> d.runtime().exec(ExecRequest.newBuilder().setContainerId(id).addCmd("ls")
                .setTty(true).setStdout(true).setStderr(true).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("stderr").contains("tty");
                });
        assertThatThrownBy(() -> d.runtime().exec(ExecRequest.newBuilder().setContainerId("no-such-container")
                .addCmd("ls").setStdout(true).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> d.runtime().exec(ExecRequest.newBuilder().setContainerId(id).setStdout(true).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    /** Polls the host's processes until one whose command line contains {@code cmd} exists (or not). */
    static boolean awaitProcess(String cmd, boolean present) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (processExists(cmd) == present) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    static boolean processExists(String cmd) throws IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String line = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ').strip();
                    if (line.equals(cmd)) {
                        return true;
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return false;
    }
}
