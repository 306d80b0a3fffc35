package dev.hako.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.TempDirs;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RunPodSandbox's runtime_handler: the default for "", named handlers, unknown and vanished ones. */
class RuntimeHandlerSelectionIT {
    private static DaemonProcess daemon;
    private static Path goneBinary;

    @BeforeAll
    static void start() throws Exception {
        Path dir = TempDirs.create("hako-test");
        goneBinary = dir.resolve("bin/gone-runc");
        Files.createDirectories(goneBinary.getParent());
        Files.copy(Path.of("/usr/sbin/runc"), goneBinary, StandardCopyOption.COPY_ATTRIBUTES);
        daemon = DaemonProcess.withConfig(dir, """
                [runtime]
                default_handler = "runc"
                [runtime.handlers.runc]
                path = "/usr/sbin/runc"
                [runtime.handlers.runc-debug]
                path = "/usr/sbin/runc"
                args = ["--debug"]
                [runtime.handlers.gone]
                path = "%s"
                """.formatted(goneBinary)).start();
        Files.delete(goneBinary);
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    private static RunPodSandboxRequest request(String name, String handler) {
        PodSandboxConfig config = PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default").setUid(name + "-uid"))
                .setHostname(name)
                .setLogDirectory(daemon.dir().resolve("logs").resolve(name).toString())
                .build();
        return RunPodSandboxRequest.newBuilder().setConfig(config).setRuntimeHandler(handler).build();
    }

    private static String handlerOf(String id) {
        return daemon.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
                .getStatus().getRuntimeHandler();
    }

    private static void remove(String id) {
        daemon.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
        daemon.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
    }

    @Test
    void theEmptyHandlerIsTheDefaultAndNamedHandlersAreKept() {
        String byDefault = daemon.runtime().runPodSandbox(request("p-default", "")).getPodSandboxId();
        String named = daemon.runtime().runPodSandbox(request("p-debug", "runc-debug")).getPodSandboxId();
        try {
            assertThat(handlerOf(byDefault)).isEqualTo("runc");
            assertThat(handlerOf(named)).isEqualTo("runc-debug");
        } finally {
            remove(byDefault);
            remove(named);
        }
    }

    @Test
    void anUnknownHandlerIsInvalidArgumentListingTheConfiguredOnes() {
        assertThatThrownBy(() -> daemon.runtime().runPodSandbox(request("p-unknown", "kata")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription())
                            .contains("unknown runtime handler \"kata\"")
                            .contains("configured handlers: runc, gone, runc-debug");
                });
    }

    @Test
    void aHandlerWhoseBinaryVanishedIsFailedPrecondition() {
        assertThatThrownBy(() -> daemon.runtime().runPodSandbox(request("p-gone", "gone")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription())
                            .contains("runtime handler \"gone\" runs " + goneBinary + ", which is missing or not executable");
                });
    }
}
