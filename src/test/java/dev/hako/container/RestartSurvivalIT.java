package dev.hako.container;

import static dev.hako.testing.PodFixture.container;
import static dev.hako.testing.PodFixture.runPod;
import static dev.hako.testing.PodFixture.start;
import static dev.hako.testing.PodFixture.status;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.StopContainerRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Killing the daemon never stops containers; after a restart Hako knows what happened meanwhile. */
class RestartSurvivalIT {

    @Test
    void containersOutliveAKilledDaemon() throws Exception {
        try (DaemonProcess d = PodFixture.daemonWithImages()) {
            String pod = runPod(d, "survivor");
            List<String> running = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                running.add(start(d, pod, container("sleeper" + i, "trap 'exit 143' TERM", "sleep 1000 & wait")));
            }
            String quitter = start(d, pod, container("quitter", "sleep 2", "exit 7"));
            d.process().destroyForcibly().waitFor(); // kill -9
            Thread.sleep(3000); // the quitter exits while nobody is watching
            d.start();
            for (String id : running) {
                assertThat(status(d, id).getState()).as(id).isEqualTo(ContainerState.CONTAINER_RUNNING);
            }
            var q = status(d, quitter);
            assertThat(q.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
            assertThat(q.getExitCode()).isEqualTo(7);
            assertThat(q.getFinishedAt()).isGreaterThan(q.getStartedAt());
            for (String id : running) {
                d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(5).build());
                assertThat(status(d, id).getExitCode()).isEqualTo(143);
            }
            for (var p : d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            }
        }
    }
}
