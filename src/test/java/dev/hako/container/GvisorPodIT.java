package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ExecSyncResponse;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxState;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StopContainerRequest;
import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import dev.hako.testing.WsChannels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One pod — a web server and a sidecar, on a CNI bridge, with logs and exec — under runc and under
 * gVisor (the built-in {@code runsc} handler), through the real daemon, conmon and runsc.
 */
class GvisorPodIT {
    private static final String BRIDGE = "hakotest7";
    private static final String SUBNET_PREFIX = "10.231.7.";
    static DaemonProcess d;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/runsc")), "runsc is not installed");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/catatonit")), "catatonit is not installed");
        d = PodFixture.daemonWithImages();
        Files.writeString(DaemonProcess.cniConfDir(d.dir()).resolve("10-hakotest.conflist"), """
                {"cniVersion": "1.0.0", "name": "hakotest7", "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                   "ipam": {"type": "host-local", "dataDir": "%s",
                            "ranges": [[{"subnet": "10.231.7.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}}
                ]}
                """.formatted(BRIDGE, d.dir().resolve("ipam")));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (d != null) {
            for (var p : d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            }
            if (System.getenv("HAKO_TEST_LOG") != null) {
                Files.writeString(Path.of(System.getenv("HAKO_TEST_LOG")), d.log());
            }
            d.close();
        }
        new ProcessBuilder("ip", "link", "del", BRIDGE).redirectErrorStream(true).start().waitFor();
    }

    private static String runPod(String name, String handler) {
        PodSandboxConfig config = PodFixture.podConfig(d, name);
        return d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config)
                .setRuntimeHandler(handler).build()).getPodSandboxId();
    }

    private static ExecSyncResponse exec(String id, String... cmd) {
        return d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).setTimeout(20)
                .addAllCmd(List.of(cmd)).build());
    }

    private static String ip(String podId) {
        return d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(podId).build())
                .getStatus().getNetwork().getIp();
    }

    /** The runsc sandbox processes ({@code runsc-sandbox … boot … ID}) of this pod. */
    static List<Long> sandboxProcesses(String podId) throws IOException {
        List<Long> out = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                    if (cmd.startsWith("runsc-sandbox ") && cmd.contains(podId)) {
                        out.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return out;
    }

    private static String httpGet(String url) throws Exception {
        return PodFixture.httpGet(url);
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "runsc"})
    void theSamePodRunsWithNetworkLogsAndExec(String handler) throws Exception {
        String pod = runPod("web-" + handler, handler);
        String web = PodFixture.start(d, pod, PodFixture.container("web",
                "mkdir -p /www && echo hello-" + handler + " > /www/index.html && exec httpd -f -p 80 -h /www"));
        String sidecar = PodFixture.start(d, pod, PodFixture.container("sidecar", "echo sidecar-up", "exec sleep 1000"));
        try {
            // the sidecar reaches the web server on the pod's loopback: one network namespace
            ExecSyncResponse local = null;
            for (int i = 0; i < 30; i++) {
                // nc, not wget: under this gVisor release (host network mode) a blocking read on a client
                // socket can fail with EAGAIN, which busybox wget does not retry; poll-then-read clients work
                local = exec(sidecar, "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 5 127.0.0.1 80");
                if (local.getExitCode() == 0 && local.getStdout().toStringUtf8().contains("hello")) {
                    break;
                }
                Thread.sleep(200);
            }
            assertThat(local.getStdout().toStringUtf8()).as(local.getExitCode() + " " + local.getStderr().toStringUtf8()).contains("hello-" + handler);
            String ip = ip(pod);
            assertThat(ip).startsWith(SUBNET_PREFIX);
            assertThat(httpGet("http://" + ip + "/")).contains("hello-" + handler);

            String kernel = exec(web, "cat", "/proc/sys/kernel/osrelease").getStdout().toStringUtf8().strip();
            String dmesg = exec(sidecar, "busybox", "dmesg").getStdout().toStringUtf8();
            List<Long> sandboxes = sandboxProcesses(pod);
            if (handler.equals("runsc")) {
                assertThat(dmesg).contains("gVisor");
                assertThat(kernel).isNotEqualTo(hostKernel());
                assertThat(sandboxes).as("one gVisor sandbox for the pod").hasSize(1);
            } else {
                assertThat(kernel).isEqualTo(hostKernel());
                assertThat(sandboxes).isEmpty();
            }
            Path log = Path.of(PodFixture.status(d, sidecar).getLogPath());
            assertThat(Files.readString(log)).contains("stdout F sidecar-up");

            d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(sidecar).setTimeout(5).build());
            var stopped = PodFixture.status(d, sidecar);
            assertThat(stopped.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(PodFixture.status(d, web).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        } finally {
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            assertThat(d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build())
                    .getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        }
        assertThat(sandboxProcesses(pod)).isEmpty();
    }

    /** critest's "execSync with timeout": DEADLINE_EXCEEDED, and the command and its children are gone by then. */
    @ParameterizedTest
    @ValueSource(strings = {"runc", "runsc"})
    void execSyncTimeoutLeavesNothingOfTheCommand(String handler) throws Exception {
        String pod = runPod("timeout-" + handler, handler);
        try {
            String c = PodFixture.start(d, pod, PodFixture.container("c", "exec sleep 1000"));
            assertThatThrownBy(() -> d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(c).setTimeout(1)
                    .addAllCmd(List.of("sh", "-c", "sleep 4041 & sleep 4042")).build()))
                    .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                            .isEqualTo(io.grpc.Status.Code.DEADLINE_EXCEEDED));
            String left = exec(c, "sh", "-c", "ps -o pid,stat,args | grep 'sleep 404' | grep -v grep | grep -v ' Z '")
                    .getStdout().toStringUtf8();
            assertThat(left).as("left in the " + handler + " container").isEmpty();
        } finally {
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        }
    }

    /** critest's log specs under gVisor: both streams of a joining container reach its CRI log. */
    @ParameterizedTest
    @ValueSource(strings = {"runc", "runsc"})
    void stdoutAndStderrReachTheContainersLog(String handler) throws Exception {
        String pod = runPod("streams-" + handler, handler);
        try {
            String c = PodFixture.start(d, pod, PodFixture.container("streams", "echo to-out", "echo to-err >&2"));
            PodFixture.awaitExit(d, c);
            String log = Files.readString(Path.of(PodFixture.status(d, c).getLogPath()));
            assertThat(log).as(handler).contains("stdout F to-out").contains("stderr F to-err");
        } finally {
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        }
    }

    @Test
    void aFailedStartUnderGvisorNamesRunscsError() throws Exception {
        String pod = runPod("nostart", "runsc");
        try {
            var c = PodFixture.container("nostart").clearCommand().clearArgs().addCommand("/no/such/binary");
            String id = PodFixture.create(d, pod, c);
            assertThatThrownBy(() -> d.runtime().startContainer(dev.hako.cri.v1.StartContainerRequest.newBuilder()
                    .setContainerId(id).build()))
                    .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> assertThat(
                            e.getStatus().getDescription()).contains("/no/such/binary").doesNotContain("\"msg\""));
        } finally {
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        }
    }

    @Test
    void anExitCodeUnderGvisorIsReported() throws Exception {
        String pod = runPod("exits", "runsc");
        try {
            String quitter = PodFixture.start(d, pod, PodFixture.container("quitter", "echo bye", "exit 7"));
            var s = PodFixture.awaitExit(d, quitter);
            assertThat(s.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(s.getExitCode()).isEqualTo(7);
        } finally {
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        }
    }

    @Test
    void aGvisorPodOutlivesADaemonRestartAndReportsStats() throws Exception {
        String pod = runPod("survivor", "runsc");
        String worker = PodFixture.start(d, pod, PodFixture.container("worker", "echo working", "exec sleep 1000"));
        List<Long> sandboxes = sandboxProcesses(pod);
        assertThat(sandboxes).hasSize(1);

        d.process().destroyForcibly().waitFor(); // kill -9
        d.start();
        assertThat(PodFixture.status(d, worker).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build())
                .getStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(sandboxProcesses(pod)).isEqualTo(sandboxes);
        assertThat(exec(worker, "echo", "still-here").getStdout().toStringUtf8()).contains("still-here");

        // gVisor's own accounting (runsc events): the host cgroup of a joining container stays empty.
        // Memory and CPU figures may show up in different samples on a busy node: wait for both.
        long deadline = System.currentTimeMillis() + 30_000;
        dev.hako.cri.v1.ContainerStats stats;
        do {
            Thread.sleep(300);
            stats = d.runtime().containerStats(dev.hako.cri.v1.ContainerStatsRequest.newBuilder()
                    .setContainerId(worker).build()).getStats();
        } while ((stats.getMemory().getWorkingSetBytes().getValue() == 0
                || stats.getCpu().getUsageCoreNanoSeconds().getValue() == 0) && System.currentTimeMillis() < deadline);
        assertThat(stats.getMemory().getWorkingSetBytes().getValue()).isPositive();
        assertThat(stats.getCpu().getUsageCoreNanoSeconds().getValue()).isPositive();

        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(worker).setTimeout(2).build());
        assertThat(PodFixture.status(d, worker).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertThat(sandboxProcesses(pod)).isEmpty();
    }

    @Test
    void interactiveExecAndAttachWorkInsideTheSandbox() throws Exception {
        String pod = runPod("streams", "runsc");
        try {
            String echoer = PodFixture.start(d, pod, PodFixture.container("echoer",
                    "while read l; do echo got:$l; done").setStdin(true));
            String url = d.runtime().exec(dev.hako.cri.v1.ExecRequest.newBuilder().setContainerId(echoer)
                    .addAllCmd(List.of("sh", "-c", "sleep 1; stty size; busybox dmesg | head -1"))
                    .setTty(true).setStdin(true).setStdout(true).build()).getUrl();
            try (WsChannels ws = WsChannels.connect(url, "v4.channel.k8s.io")) {
                ws.resize(90, 25);
                assertThat(ws.awaitClose(Duration.ofSeconds(20))).isTrue();
                assertThat(ws.text(1)).as(ws.text(3)).contains("25 90").contains("gVisor");
                assertThat(ws.text(3)).contains("Success");
            }
            String attach = d.runtime().attach(dev.hako.cri.v1.AttachRequest.newBuilder().setContainerId(echoer)
                    .setStdin(true).setStdout(true).build()).getUrl();
            try (WsChannels ws = WsChannels.connect(attach, "v4.channel.k8s.io")) {
                ws.send(0, "inside\n");
                assertThat(ws.await(1, "got:inside", Duration.ofSeconds(10))).as(ws.text(1)).isTrue();
            }
            assertThat(PodFixture.status(d, echoer).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        } finally {
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        }
    }

    @Test
    void aPodWhoseSandboxDiedIsNotReady() throws Exception {
        String pod = runPod("crashing", "runsc");
        try {
            List<Long> sandboxes = sandboxProcesses(pod);
            assertThat(sandboxes).hasSize(1);
            new ProcessBuilder("kill", "-9", Long.toString(sandboxes.getFirst())).start().waitFor();
            long deadline = System.currentTimeMillis() + 10_000;
            PodSandboxState state;
            do {
                Thread.sleep(100);
                state = d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build())
                        .getStatus().getState();
            } while (state != PodSandboxState.SANDBOX_NOTREADY && System.currentTimeMillis() < deadline);
            assertThat(state).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        } finally {
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        }
        assertThat(sandboxProcesses(pod)).isEmpty();
    }

    private static String hostKernel() throws IOException {
        return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
    }
}
