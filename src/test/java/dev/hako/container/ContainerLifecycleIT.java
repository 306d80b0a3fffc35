package dev.hako.container;

import static dev.hako.testing.PodFixture.awaitExit;
import static dev.hako.testing.PodFixture.container;
import static dev.hako.testing.PodFixture.create;
import static dev.hako.testing.PodFixture.runPod;
import static dev.hako.testing.PodFixture.start;
import static dev.hako.testing.PodFixture.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.Container;
import dev.hako.cri.v1.ContainerFilter;
import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.ContainerStateValue;
import dev.hako.cri.v1.ContainerStatus;
import dev.hako.cri.v1.ContainerStatusRequest;
import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ExecSyncResponse;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.Int64Value;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.Mount;
import dev.hako.cri.v1.MountPropagation;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.RemoveContainerRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.ReopenContainerLogRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.cri.v1.StopContainerRequest;
import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kubelet's path through the real daemon, runc and conmon: pods, containers, logs, exec. */
class ContainerLifecycleIT {
    static DaemonProcess d;

    @BeforeAll
    static void setUp() throws Exception {
        d = PodFixture.daemonWithImages();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (d != null) {
            for (var p : d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            }
            d.close();
        }
    }

    static ExecSyncResponse exec(String id, long timeout, String... cmd) {
        return d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd))
                .setTimeout(timeout).build());
    }

    @Test
    void runLogExecStopRemove() throws Exception {
        String pod = runPod(d, "life");
        String id = start(d, pod, container("web", "echo hello", "echo oops >&2", "printf partial",
                "trap 'exit 143' TERM", "sleep 1000 & wait"));
        ContainerStatus s = status(d, id);
        assertThat(s.getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(s.getStartedAt()).isGreaterThan(0);
        assertThat(s.getImage().getImage()).isEqualTo(PodFixture.IMAGE);
        assertThat(s.getImageRef()).isNotEmpty();
        String info = d.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(true)
                .build()).getInfoOrThrow("info");
        assertThat(info).contains("\"pid\":").contains("\"runtimeSpec\"").contains("io.kubernetes.cri.sandbox-id");
        assertThat(d.runtime().listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder()
                .setPodSandboxId(pod).setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING)))
                .build()).getContainersList()).extracting(Container::getId).containsExactly(id);

        Path log = Path.of(s.getLogPath());
        awaitContent(log, "stderr F oops");
        String text = Files.readString(log);
        assertThat(text).containsPattern("\\d{4}-\\d\\d-\\d\\dT\\S+ stdout F hello\n");
        assertThat(text).contains(" stdout P partial");

        ExecSyncResponse hi = exec(id, 10, "/bin/sh", "-c", "echo hi; echo there >&2; exit 4");
        assertThat(hi.getStdout().toStringUtf8()).isEqualTo("hi\n");
        assertThat(hi.getStderr().toStringUtf8()).isEqualTo("there\n");
        assertThat(hi.getExitCode()).isEqualTo(4);
        // a timeout is DEADLINE_EXCEEDED (the kubelet's probe timeout), and nothing of the command is left
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> exec(id, 1, "/bin/sh", "-c", "sleep 3031 & sleep 3032"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
                    assertThat(e.getStatus().getDescription()).contains("timed out after 1 s");
                });
        assertThat(System.nanoTime() - t0).isLessThan(java.util.concurrent.TimeUnit.SECONDS.toNanos(15));
        assertThat(exec(id, 10, "/bin/sh", "-c", "ps -o pid,stat,args | grep 'sleep 303' | grep -v grep | grep -v ' Z '")
                .getStdout().toStringUtf8()).isEmpty();

        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(5).build());
        ContainerStatus stopped = status(d, id);
        assertThat(stopped.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(stopped.getExitCode()).isEqualTo(143);
        assertThat(stopped.getFinishedAt()).isGreaterThanOrEqualTo(stopped.getStartedAt());
        // stopping an exited container is a no-op
        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(5).build());
        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        assertThatThrownBy(() -> status(d, id)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build()); // idempotent
    }

    @Test
    void exitCodesAndReasons() throws Exception {
        String pod = runPod(d, "exits");
        String ok = start(d, pod, container("ok", "exit 0"));
        String bad = start(d, pod, container("bad", "exit 3"));
        ContainerStatus okStatus = awaitExit(d, ok);
        ContainerStatus badStatus = awaitExit(d, bad);
        assertThat(okStatus.getExitCode()).isZero();
        assertThat(okStatus.getReason()).isEqualTo("Completed");
        assertThat(badStatus.getExitCode()).isEqualTo(3);
        assertThat(badStatus.getReason()).isEqualTo("Error");
    }

    @Test
    void aStopSignalTheContainerIgnoresEndsWithSigkill() throws Exception {
        String pod = runPod(d, "stubborn");
        String id = start(d, pod, container("stubborn", "trap '' TERM", "sleep 1000 & wait", "sleep 1000"));
        long t0 = System.nanoTime();
        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(1).build());
        assertThat((System.nanoTime() - t0) / 1e9).isBetween(0.9, 8.0);
        assertThat(status(d, id).getExitCode()).isEqualTo(137);
    }

    @Test
    void userComesFromTheImageUnlessTheConfigSetsOne() throws Exception {
        String pod = runPod(d, "users");
        String fromImage = start(d, pod, container("img", "sleep 1000").setImage(ImageSpec.newBuilder().setImage(PodFixture.USER_IMAGE)));
        assertThat(exec(fromImage, 10, "/bin/id", "-u").getStdout().toStringUtf8().strip()).isEqualTo("1000");
        String overridden = start(d, pod, container("cfg", "sleep 1000").setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setRunAsUser(Int64Value.newBuilder().setValue(65534)))));
        assertThat(exec(overridden, 10, "/bin/id", "-u").getStdout().toStringUtf8().strip()).isEqualTo("65534");
    }

    @Test
    void hostMountsKeepTheirReadOnlyFlag() throws Exception {
        Path shared = Files.createDirectories(d.dir().resolve("shared"));
        Files.writeString(shared.resolve("greeting"), "from the host");
        String pod = runPod(d, "mounts");
        String id = start(d, pod, container("reader", "sleep 1000")
                .addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath(shared.toString()).setReadonly(true))
                .addMounts(Mount.newBuilder().setContainerPath("/rw").setHostPath(shared.toString())
                        .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER)));
        assertThat(exec(id, 10, "/bin/cat", "/data/greeting").getStdout().toStringUtf8()).isEqualTo("from the host");
        assertThat(exec(id, 10, "/bin/sh", "-c", "echo x > /data/new").getExitCode()).isNotZero();
        assertThat(exec(id, 10, "/bin/sh", "-c", "echo written > /rw/new").getExitCode()).isZero();
        assertThat(shared.resolve("new")).hasContent("written");
        assertThat(status(d, id).getMountsList()).extracting(Mount::getContainerPath).containsExactly("/data", "/rw");
        // the pod's own files: hostname and /etc/hosts come from the sandbox
        assertThat(exec(id, 10, "/bin/cat", "/etc/hostname").getStdout().toStringUtf8().strip()).isEqualTo("mounts");
        assertThat(exec(id, 10, "/bin/cat", "/etc/hosts").getStdout().toStringUtf8()).contains("localhost");
    }

    @Test
    void reopenContainerLogAfterRotation() throws Exception {
        String pod = runPod(d, "rotate");
        String id = start(d, pod, container("ticker", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done"));
        Path log = Path.of(status(d, id).getLogPath());
        awaitContent(log, "tick 1");
        Path rotated = log.resolveSibling("0.log.1");
        Files.move(log, rotated);
        d.runtime().reopenContainerLog(ReopenContainerLogRequest.newBuilder().setContainerId(id).build());
        assertThat(log).exists();
        awaitContent(log, "tick");
        assertThat(Files.readString(rotated)).contains("tick 1");
    }

    @Test
    void badInputIsNamed() throws Exception {
        String pod = runPod(d, "bad");
        assertThatThrownBy(() -> create(d, "f".repeat(64), container("x", "true")))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThatThrownBy(() -> create(d, pod, container("x", "true").setImage(ImageSpec.newBuilder().setImage("nothere:1"))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).contains("nothere:1");
                });
        create(d, pod, container("dup", "true"));
        assertThatThrownBy(() -> create(d, pod, container("dup", "true")))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS));
        assertThatThrownBy(() -> d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(PodFixture.podConfig(d, "bad")).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
                    assertThat(e.getStatus().getDescription()).contains(pod);
                });
        // a command that is not in the image: the runtime's message, and the container is kept with it
        String missing;
        try {
            missing = create(d, pod, container("nope", "x").clearCommand().clearArgs().addCommand("/nope"));
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getDescription()).contains("/nope");
            missing = null;
        }
        if (missing != null) {
            String m = missing;
            assertThatThrownBy(() -> d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(m).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getDescription()).contains("/nope"));
            ContainerStatus s = status(d, m);
            assertThat(s.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(s.getReason()).isNotEmpty();
            assertThat(s.getMessage()).contains("/nope");
        }
        // a sysctl the pod's namespaces do not allow is refused before anything is made
        var hostNet = PodFixture.podConfig(d, "hostnet-sysctl").toBuilder();
        hostNet.getLinuxBuilder().putSysctls("net.ipv4.ip_forward", "1").getSecurityContextBuilder()
                .getNamespaceOptionsBuilder().setNetwork(dev.hako.cri.v1.NamespaceMode.NODE);
        assertThatThrownBy(() -> d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(hostNet).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("net.ipv4.ip_forward");
                });
        // UpdatePodSandboxResources records what the kubelet set on the pod-level cgroup
        d.runtime().updatePodSandboxResources(dev.hako.cri.v1.UpdatePodSandboxResourcesRequest.newBuilder()
                .setPodSandboxId(pod).setResources(dev.hako.cri.v1.LinuxContainerResources.newBuilder().setCpuShares(2048))
                .build());
        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        assertThatThrownBy(() -> create(d, pod, container("late", "true")))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
        assertThat(d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build())
                .getStatus().getState().name()).isEqualTo("SANDBOX_NOTREADY");
    }

    static void awaitContent(Path file, String text) throws Exception {
        long deadline = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(file + " never contained \"" + text + "\"" + (Files.exists(file) ? ": " + Files.readString(file) : ""));
    }
}
