package dev.hako.container;

import static dev.hako.testing.PodFixture.container;
import static dev.hako.testing.PodFixture.podConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, item 19: container logs stay inside the pod log root ({@code runtime.pod_log_root}; the
 * test daemon's is {@code <dir>/logs}). A log_directory or log_path that is relative or absolute
 * where it must not be, holds {@code ..} or a NUL, or leads outside through a symlink is refused with
 * INVALID_ARGUMENT naming the field, and nothing is written there.
 */
class LogPathConfinementIT {
    static DaemonProcess d;
    static Path logRoot;

    @BeforeAll
    static void setUp() throws Exception {
        d = PodFixture.daemonWithImages();
        logRoot = DaemonProcess.podLogRoot(d.dir());
        Files.createDirectories(logRoot);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (d != null) {
            d.close();
        }
    }

    private static PodSandboxConfig pod(String name, String logDirectory) {
        return podConfig(d, name).toBuilder().setLogDirectory(logDirectory).build();
    }

    private static String run(PodSandboxConfig config) {
        return d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build()).getPodSandboxId();
    }

    private static void refused(Runnable call, String field) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).as(e.getMessage()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(field);
        });
    }

    private static int pods() {
        return d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount();
    }

    @Test
    void aLogDirectoryOutsideThePodLogRootIsRefusedAndNothingIsWrittenThere() throws Exception {
        String x = "hako-log-escape-" + UUID.randomUUID();
        int before = pods();
        refused(() -> run(pod("escape", "/var/log/pods/../../../etc/" + x)), "log_directory");
        refused(() -> run(pod("escape", logRoot + "/../../../etc/" + x)), "log_directory");
        refused(() -> run(pod("escape", "/etc/" + x)), "log_directory");
        refused(() -> run(pod("escape", "logs/" + x)), "log_directory");
        refused(() -> run(pod("escape", logRoot + "/a\0b")), "log_directory");
        // a symlink inside the root that leads out of it
        Path link = Files.createSymbolicLink(logRoot.resolve("to-etc-" + x), Path.of("/etc"));
        refused(() -> run(pod("escape", link + "/" + x)), "log_directory");
        Path dangling = Files.createSymbolicLink(logRoot.resolve("dangling-" + x), Path.of("/etc/" + x));
        refused(() -> run(pod("escape", dangling.toString())), "log_directory");
        assertThat(pods()).isEqualTo(before);
        assertThat(Path.of("/etc", x)).doesNotExist();
        assertThat(Path.of("/var/log/pods/../../../etc/" + x)).doesNotExist();
    }

    @Test
    void aLogPathLeavingThePodsLogDirectoryIsRefused() throws Exception {
        String x = "hako-log-escape-" + UUID.randomUUID();
        Path podDir = logRoot.resolve("paths");
        String pod = run(pod("paths", podDir.toString()));
        Files.createDirectories(podDir);
        Files.createSymbolicLink(podDir.resolve("out"), Path.of("/etc"));
        try {
            for (String bad : List.of("../" + x, "c/../../" + x, "/etc/" + x, "out/" + x, "c/\0.log", ".")) {
                refused(() -> create(pod, container("c", "true").setLogPath(bad)), "log_path");
            }
            assertThat(Path.of("/etc", x)).doesNotExist();
        } finally {
            Files.deleteIfExists(Path.of("/etc", x)); // only where the check failed: the host stays clean
        }
        // and a well-formed one logs where asked
        String id = create(pod, container("ok", "echo inside").setLogPath("ok/0.log"));
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        PodFixture.awaitExit(d, id);
        assertThat(Files.readString(podDir.resolve("ok/0.log"))).contains("inside");
    }

    @Test
    void anEmptyLogDirectoryStillRunsContainersWithoutACriLog() throws Exception {
        String pod = run(pod("nolog", ""));
        String id = create(pod, container("c", "echo quiet").setLogPath("c/0.log"));
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        assertThat(PodFixture.awaitExit(d, id).getExitCode()).isZero();
        assertThat(PodFixture.status(d, id).getLogPath()).doesNotStartWith(logRoot.toString());
    }

    private static String create(String pod, ContainerConfig.Builder c) {
        return d.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod).setConfig(c)
                .build()).getContainerId();
    }
}
