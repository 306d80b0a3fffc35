package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ContainerStatusRequest;
import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ExecSyncResponse;
import dev.hako.cri.v1.Mount;
import dev.hako.cri.v1.MountPropagation;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StatusRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-handler behaviour through the daemon: rro mounts where the runtime has them, allowed pod annotations. */
class HandlerOptionsIT {

    private static ExecSyncResponse exec(DaemonProcess d, String id, String... cmd) {
        return d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).setTimeout(10)
                .addAllCmd(List.of(cmd)).build());
    }

    @Test
    void recursiveReadOnlyMountsReachSubmountsWhenTheRuntimeListsRro() throws Exception {
        try (DaemonProcess d = PodFixture.daemonWithImages()) {
            boolean rro = d.runtime().status(StatusRequest.getDefaultInstance()).getRuntimeHandlersList().stream()
                    .filter(h -> h.getName().equals("runc")).findFirst().orElseThrow()
                    .getFeatures().getRecursiveReadOnlyMounts();
            Path host = Files.createDirectories(d.dir().resolve("rro-src"));
            Path sub = Files.createDirectories(host.resolve("sub"));
            new ProcessBuilder("mount", "-t", "tmpfs", "rro-test", sub.toString()).inheritIO().start().waitFor();
            try {
                String pod = PodFixture.runPod(d, "rro");
                var c = PodFixture.container("reader", "exec sleep 1000")
                        .addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath(host.toString())
                                .setReadonly(true).setRecursiveReadOnly(true)
                                .setPropagation(MountPropagation.PROPAGATION_PRIVATE));
                if (!rro) {
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PodFixture.create(d, pod, c))
                            .hasMessageContaining("config.mounts[0].recursive_read_only");
                    return;
                }
                String id = PodFixture.start(d, pod, c);
                assertThat(exec(d, id, "touch", "/data/sub/x").getExitCode()).isNotZero();
                assertThat(exec(d, id, "touch", "/data/x").getExitCode()).isNotZero();
                // a plain read-only bind leaves the submount writable: the point of rro
                String plain = PodFixture.start(d, pod, PodFixture.container("plain", "exec sleep 1000")
                        .addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath(host.toString())
                                .setReadonly(true).setPropagation(MountPropagation.PROPAGATION_PRIVATE)));
                assertThat(exec(d, plain, "touch", "/data/sub/x").getExitCode()).isZero();
            } finally {
                new ProcessBuilder("umount", "-l", sub.toString()).inheritIO().start().waitFor();
            }
        }
    }

    @Test
    void allowedPodAnnotationsReachTheSpecAndOthersDoNot() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("""
                [runtime.handlers.runc]
                path = "/usr/sbin/runc"
                allowed_annotations = ["example.com/*", "exact.example.org/key"]
                """).start()) {
            PodFixture.importImage(d, dev.hako.testing.image.TestImage.builder()
                    .layer(dev.hako.testing.image.TestImage.busyboxLayer()).build(), PodFixture.IMAGE);
            PodSandboxConfig config = PodFixture.podConfig(d, "annotated").toBuilder()
                    .putAnnotations("example.com/a", "1").putAnnotations("exact.example.org/key", "2")
                    .putAnnotations("other.io/b", "3").build();
            String pod = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
                    .getPodSandboxId();
            String id = PodFixture.create(d, pod, PodFixture.container("c", "true"));
            String info = d.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id)
                    .setVerbose(true).build()).getInfoMap().get("info");
            assertThat(info).contains("\"example.com/a\":\"1\"").contains("\"exact.example.org/key\":\"2\"")
                    .doesNotContain("other.io/b");
        }
    }
}
