package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.LinuxPodSandboxConfig;
import dev.hako.cri.v1.LinuxSandboxSecurityContext;
import dev.hako.cri.v1.NamespaceMode;
import dev.hako.cri.v1.NamespaceOption;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** shareProcessNamespace: the pod's containers share one PID namespace whose PID 1 is the infra container. */
class SharedPidNamespaceIT {

    @Test
    void containersSeeEachOtherAndPidOneIsTheInfraProcess() throws Exception {
        try (DaemonProcess d = PodFixture.daemonWithImages()) {
            PodSandboxConfig config = PodFixture.podConfig(d, "shared").toBuilder()
                    .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(LinuxSandboxSecurityContext
                            .newBuilder().setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.POD))))
                    .build();
            String pod = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build())
                    .getPodSandboxId();
            Path podDir = d.dir().resolve("run/pods").resolve(pod);
            PodFixture.start(d, pod, PodFixture.container("first", "exec sleep 1001"));
            String second = PodFixture.start(d, pod, PodFixture.container("second", "exec sleep 1002"));

            String ps = d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(second).setTimeout(10)
                    .addAllCmd(List.of("sh", "-c", "for p in /proc/[0-9]*; do echo $(basename $p) $(tr '\\0' ' ' < $p/cmdline); done"))
                    .build()).getStdout().toStringUtf8();
            assertThat(ps).contains("1 /pause -P").contains("sleep 1001").contains("sleep 1002");
            assertThat(podDir.resolve("infra/config.json")).exists();

            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            assertThat(Files.exists(podDir)).isFalse();
        }
    }
}
