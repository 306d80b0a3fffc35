package dev.hako.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.CgroupDriver;
import dev.hako.cri.v1.CheckpointContainerRequest;
import dev.hako.cri.v1.StreamImagesRequest;
import dev.hako.cri.v1.NetworkConfig;
import dev.hako.cri.v1.RuntimeCondition;
import dev.hako.cri.v1.RuntimeConfig;
import dev.hako.cri.v1.RuntimeConfigRequest;
import dev.hako.cri.v1.RuntimeHandler;
import dev.hako.cri.v1.StatusRequest;
import dev.hako.cri.v1.StatusResponse;
import dev.hako.cri.v1.StreamPodSandboxesRequest;
import dev.hako.cri.v1.UpdateRuntimeConfigRequest;
import dev.hako.cri.v1.VersionRequest;
import dev.hako.cri.v1.VersionResponse;
import dev.hako.testing.DaemonProcess;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Version, Status, RuntimeConfig, UpdateRuntimeConfig and the UNIMPLEMENTED rest, against a running daemon. */
class RuntimeInfoRpcsIT {
    private static DaemonProcess daemon;

    @BeforeAll
    static void start() throws Exception {
        daemon = DaemonProcess.withConfig("""
                [runtime]
                default_handler = "runc"
                [runtime.handlers.runc]
                path = "/usr/sbin/runc"
                [runtime.handlers.runc-debug]
                path = "/usr/sbin/runc"
                args = ["--debug"]
                """).start();
    }

    @AfterAll
    static void stop() throws Exception {
        daemon.close();
    }

    @Test
    void versionNamesHakoAndApiV1() {
        VersionResponse v = daemon.runtime().version(VersionRequest.newBuilder().setVersion("v1").build());
        assertThat(v.getRuntimeName()).isEqualTo("hako");
        assertThat(v.getRuntimeVersion()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(v.getRuntimeApiVersion()).isEqualTo("v1");
        assertThat(v.getVersion()).isEqualTo("0.1.0");
    }

    @Test
    void statusReportsRuntimeReadyAndNetworkNotReady() {
        StatusResponse s = daemon.runtime().status(StatusRequest.getDefaultInstance());
        Map<String, RuntimeCondition> byType = s.getStatus().getConditionsList().stream()
                .collect(Collectors.toMap(RuntimeCondition::getType, c -> c));
        assertThat(byType.get("RuntimeReady").getStatus()).isTrue();
        RuntimeCondition network = byType.get("NetworkReady");
        assertThat(network.getStatus()).isFalse();
        assertThat(network.getReason()).isEqualTo("NetworkPluginNotReady");
        assertThat(network.getMessage()).isNotEmpty();
        assertThat(s.getInfoMap()).isEmpty(); // not verbose
    }

    @Test
    void statusListsEveryHandlerAndTheDefaultAgainUnderTheEmptyName() {
        StatusResponse s = daemon.runtime().status(StatusRequest.getDefaultInstance());
        assertThat(s.getRuntimeHandlersList()).extracting(RuntimeHandler::getName)
                .containsExactly("runc", "runc-debug", "");
    }

    @Test
    void verboseStatusCarriesTheEffectiveConfigAsJson() {
        StatusResponse s = daemon.runtime().status(StatusRequest.newBuilder().setVerbose(true).build());
        String config = s.getInfoOrThrow("config");
        assertThat(config).startsWith("{").endsWith("}")
                .contains("\"socket\":\"" + daemon.socket() + "\"")
                .contains("\"cgroup_driver\":\"cgroupfs\"")
                .contains("\"runc-debug\":{\"path\":\"/usr/sbin/runc\",\"root\":\"" + daemon.dir() + "/run/runc-debug\",\"args\":[\"--debug\"],"
                        + "\"type\":\"oci\",\"monitor\":\"/usr/bin/conmon\",\"privileged_without_host_devices\":false,"
                        + "\"allowed_annotations\":[],\"pod_infra\":\"auto\",\"create_timeout\":\"4m\"}")
                .contains("\"sandboxImage\":\"registry.k8s.io/pause:3.10\"");
    }

    @Test
    void verboseStatusCarriesEveryHandlersReadiness() {
        StatusResponse s = daemon.runtime().status(StatusRequest.newBuilder().setVerbose(true).build());
        String handlers = s.getInfoOrThrow("handlers");
        assertThat(handlers).startsWith("[{\"name\":\"runc\",\"path\":\"/usr/sbin/runc\",\"ready\":true,\"reason\":\"\"")
                .contains("{\"name\":\"runc-debug\",\"path\":\"/usr/sbin/runc\",\"ready\":true,\"reason\":\"\"");
        // rro follows the runtime's own features output, as the verbose info reports it per handler
        boolean runcRro = handlers.contains("\"name\":\"runc\",") && handlers.split("\"name\":\"runc\",")[1]
                .split("}")[0].contains("\"runtime_rro\":true");
        assertThat(s.getRuntimeHandlersList()).allSatisfy(h -> {
            assertThat(h.getFeatures().getUserNamespaces()).isFalse();
            if (h.getName().equals("runc") || h.getName().isEmpty()) {
                assertThat(h.getFeatures().getRecursiveReadOnlyMounts()).isEqualTo(runcRro);
            }
        });
    }

    @Test
    void runtimeConfigReportsTheCgroupDriver() {
        assertThat(daemon.runtime().runtimeConfig(RuntimeConfigRequest.getDefaultInstance()).getLinux().getCgroupDriver())
                .isEqualTo(CgroupDriver.CGROUPFS);
    }

    @Test
    void updateRuntimeConfigRejectsAMalformedPodCidrNamingTheField() {
        assertThatThrownBy(() -> daemon.runtime().updateRuntimeConfig(podCidr("10.244.0.0/33")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription())
                            .contains("runtime_config.network_config.pod_cidr").contains("10.244.0.0/33");
                });
        assertThatThrownBy(() -> daemon.runtime().updateRuntimeConfig(podCidr("not-a-cidr")))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    @Test
    void unimplementedRpcsNameThemselves() {
        assertThatThrownBy(() -> daemon.runtime().checkpointContainer(CheckpointContainerRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("runtime.v1.RuntimeService/CheckpointContainer is not implemented by Hako yet");
                });
        // a server-streaming RPC fails on the first read
        assertThatThrownBy(() -> daemon.runtime().streamPodSandboxes(StreamPodSandboxesRequest.getDefaultInstance()).hasNext())
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
                    assertThat(e.getStatus().getDescription()).contains("StreamPodSandboxes");
                });
        assertThatThrownBy(() -> daemon.image().streamImages(StreamImagesRequest.getDefaultInstance()).hasNext())
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getDescription()).contains("ImageService/StreamImages"));
    }

    static UpdateRuntimeConfigRequest podCidr(String cidr) {
        return UpdateRuntimeConfigRequest.newBuilder()
                .setRuntimeConfig(RuntimeConfig.newBuilder().setNetworkConfig(NetworkConfig.newBuilder().setPodCidr(cidr)))
                .build();
    }
}
