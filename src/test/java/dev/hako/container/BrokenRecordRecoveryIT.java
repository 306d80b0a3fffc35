package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.RemoveContainerRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import dev.hako.testing.TempDirs;
import dev.hako.testing.image.TestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A container record that cannot be reconciled at start-up (its runtime handler left the configuration)
 * is reported, not fatal: the daemon starts, the other containers are served, and the broken one is
 * listed as exited with the cause and can be removed, its runtime object with it.
 */
class BrokenRecordRecoveryIT {
    private static final String RUNC_ONLY = """
            [runtime]
            default_handler = "runc"
            [runtime.handlers.runc]
            path = "/usr/sbin/runc"
            """;
    private static final String WITH_SPARE = RUNC_ONLY + """
            [runtime.handlers.spare]
            path = "/usr/sbin/runc"
            """;

    @Test
    void aContainerWhoseHandlerWasRemovedIsReportedAndRemovableWhileTheOthersRun() throws Exception {
        Path dir = TempDirs.create("hako-test");
        try (DaemonProcess d = DaemonProcess.withConfig(dir, WITH_SPARE).start()) {
            try {
                body(d, dir);
            } finally {
                // whatever the outcome, no container of this test keeps running
                runcDeleteAll(dir.resolve("run/spare"));
                if (!d.process().isAlive()) {
                    runcDeleteAll(dir.resolve("run/runc"));
                }
            }
        }
    }

    private static void body(DaemonProcess d, Path dir) throws Exception {
        PodFixture.importImage(d, TestImage.builder().layer(TestImage.busyboxLayer()).build(), PodFixture.IMAGE);
        String keptPod = PodFixture.runPod(d, "kept");
        String kept = PodFixture.start(d, keptPod, PodFixture.container("kept", "sleep 1000"));
        String sparePod = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder()
                .setConfig(PodFixture.podConfig(d, "spare")).setRuntimeHandler("spare").build()).getPodSandboxId();
        String orphan = PodFixture.start(d, sparePod, PodFixture.container("orphan", "sleep 1000"));

        d.stop();
        Files.writeString(d.configFile(), DaemonProcess.baseToml(dir) + RUNC_ONLY + DaemonProcess.networkToml(dir));
        d.start();

        var listed = d.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList();
        assertThat(listed).extracting(c -> c.getId()).containsExactlyInAnyOrder(kept, orphan);
        var broken = PodFixture.status(d, orphan);
        assertThat(broken.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(broken.getReason()).isEqualTo("RecoveryFailed");
        assertThat(broken.getMessage()).contains("spare");
        assertThat(d.log()).contains("cannot recover container");

        assertThat(PodFixture.status(d, kept).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        var echo = d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(kept).setTimeout(15)
                .addAllCmd(List.of("echo", "still-here")).build());
        assertThat(echo.getStdout().toStringUtf8()).contains("still-here");

        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(orphan).build());
        assertThat(d.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList())
                .extracting(c -> c.getId()).containsExactly(kept);
        // removal reached the runtime through the binary and root recorded at create
        assertThat(runcList(dir.resolve("run/spare"))).doesNotContain(orphan);

        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(sparePod).build());
        d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(sparePod).build());
    }

    private static String runcList(Path root) throws Exception {
        Process p = new ProcessBuilder("runc", "--root", root.toString(), "list", "-q").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    private static void runcDeleteAll(Path root) throws Exception {
        if (!Files.isDirectory(root)) {
            return;
        }
        for (String id : runcList(root).lines().filter(l -> !l.isBlank()).toList()) {
            new ProcessBuilder("runc", "--root", root.toString(), "delete", "--force", id).start().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
