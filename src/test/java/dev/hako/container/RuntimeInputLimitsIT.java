package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.KeyValue;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.Mount;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import dev.hako.testing.image.TestImage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Values that would reach the OCI runtime are held to the kernel's limits at CreateContainer: an
 * over-long one is INVALID_ARGUMENT naming its field, at once, instead of a runtime error too long
 * for conmon's pipe that hung the create until its timeout (measured: a 40 kB command, masked path or
 * mount path, a 70 kB working_dir). Values at the limit still work or fail quickly.
 */
class RuntimeInputLimitsIT {
    private static DaemonProcess d;
    private static String pod;

    @BeforeAll
    static void start() throws Exception {
        // a create that hung would fail after 20 s, inside the client's 60 s deadline: clearly not "at once"
        d = DaemonProcess.withConfig("""
                [runtime.handlers.runc]
                path = "/usr/sbin/runc"
                create_timeout = "20s"
                """).start();
        PodFixture.importImage(d, TestImage.builder().layer(TestImage.busyboxLayer()).build(), PodFixture.IMAGE);
        pod = PodFixture.runPod(d, "limits");
    }

    @AfterAll
    static void stop() throws Exception {
        d.close();
    }

    private static String create(ContainerConfig.Builder c) {
        return RuntimeServiceGrpc.newBlockingStub(d.channel()).withDeadlineAfter(60, TimeUnit.SECONDS)
                .createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(pod).setConfig(c).build())
                .getContainerId();
    }

    private static void refused(ContainerConfig.Builder c, String field) {
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> create(c)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            // the CRI entry checks may name the field more precisely (config.envs[0].value) than the runtime's caps
            assertThat(e.getStatus().getDescription()).matches(java.util.regex.Pattern.quote(field) + "(\\.[a-z_]+)?: (?s).*")
                    .hasSizeLessThan(500);
        });
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(10);
    }

    @Test
    void overLongPathsAreRefusedNamingTheField() {
        String longPath = "/x".repeat(20_000);
        refused(PodFixture.container("wd", "true").setWorkingDir(longPath), "config.working_dir");
        refused(PodFixture.container("cmd", "true").setCommand(0, longPath), "config.command[0]");
        refused(PodFixture.container("masked", "true").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().addMaskedPaths("/proc/kcore").addMaskedPaths(longPath))),
                "config.linux.security_context.masked_paths[1]");
        refused(PodFixture.container("ro", "true").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().addReadonlyPaths(longPath))),
                "config.linux.security_context.readonly_paths[0]");
        refused(PodFixture.container("mnt", "true").addMounts(Mount.newBuilder().setContainerPath(longPath)
                .setHostPath("/tmp")), "config.mounts[0].container_path");
        refused(PodFixture.container("name", "true").setWorkingDir("/" + "n".repeat(256)), "config.working_dir");
    }

    @Test
    void overLongArgumentsAndEnvironmentAreRefused() {
        refused(PodFixture.container("arg", "true").addArgs("a".repeat(200_000)), "config.args[1]");
        refused(PodFixture.container("env", "true").addEnvs(KeyValue.newBuilder().setKey("BIG")
                .setValue(ByteString.copyFromUtf8("v".repeat(200_000)))), "config.envs[0]");
        ContainerConfig.Builder many = PodFixture.container("envs", "true");
        for (int i = 0; i < 20; i++) {
            many.addEnvs(KeyValue.newBuilder().setKey("E" + i).setValue(ByteString.copyFromUtf8("v".repeat(120_000))));
        }
        refused(many, "config.command, config.args and config.envs");
    }

    @Test
    void valuesJustInsideTheLimitsStillWork() {
        String deep = ("/" + "d".repeat(199)).repeat(20); // 4000 bytes: runc makes the directory
        String id = create(PodFixture.container("deep", "pwd").setWorkingDir(deep)
                .addEnvs(KeyValue.newBuilder().setKey("BIG").setValue(ByteString.copyFromUtf8("v".repeat(100_000)))));
        assertThat(id).isNotEmpty();
    }
}
