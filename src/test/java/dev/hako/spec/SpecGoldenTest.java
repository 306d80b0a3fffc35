package dev.hako.spec;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.hako.config.CgroupDriver;
import dev.hako.cri.v1.Capability;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.Device;
import dev.hako.cri.v1.Int64Value;
import dev.hako.cri.v1.KeyValue;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.Mount;
import dev.hako.cri.v1.MountPropagation;
import dev.hako.cri.v1.SecurityProfile;
import dev.hako.cri.v1.SupplementalGroupsPolicy;
import dev.hako.json.Json;
import dev.hako.oci.TestBundles;
import dev.hako.testing.TempDirs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * config.json byte for byte, for fixed host facts: the guard for refactoring the translation. The
 * files under {@code golden/} were written when the generator was split into sections, whose output
 * for this host's facts was first checked byte for byte against the map-built generator. Inputs
 * avoid resource limits, whose output depends on the host's cgroups; the test's directory is
 * written as {@code $DIR}. To update after an intended change: run with {@code -Dgolden.write=true}.
 */
class SpecGoldenTest {
    /** Capability-number order, as HostFacts.probe() gives them; CAP_SYS_ADMIN gates part of the seccomp profile. */
    private static final List<String> CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID",
            "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN", "CAP_NET_RAW",
            "CAP_SYS_CHROOT", "CAP_SYS_ADMIN", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP");

    private Path dir;
    private Path rootfs;
    private Path file;
    private HostFacts host;

    @BeforeEach
    void setUp() throws IOException {
        dir = TempDirs.create("hako-golden-");
        rootfs = Files.createDirectories(dir.resolve("rootfs"));
        Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(rootfs.resolve("etc/passwd"),
                "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nbob:x:1001:1002::/:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\napp:x:1000:\nbobs:x:1002:\nextra:x:2000:app,bob\n");
        file = Files.writeString(dir.resolve("file"), "x");
        Files.createDirectories(dir.resolve("data"));
        host = new HostFacts(0, new java.util.LinkedHashSet<>(CAPS), false, false, "amd64",
                Files.createDirectories(dir.resolve("dev")));
    }

    @AfterEach
    void tearDown() {
        TempDirs.delete(dir);
    }

    @Test
    void unprivilegedWithEverything() throws IOException {
        ContainerConfig c = ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("ctr"))
                .addArgs("a1").setWorkingDir("/w").setTty(true).putAnnotations("k", "v")
                .addEnvs(KeyValue.newBuilder().setKey("A").setValue(ByteString.copyFromUtf8("1")))
                .addEnvs(KeyValue.newBuilder().setKey("PATH").setValue(ByteString.copyFromUtf8("/x")))
                .addMounts(Mount.newBuilder().setContainerPath("/data/sub").setHostPath(dir.resolve("data").toString())
                        .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))
                .addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath(dir.resolve("data").toString())
                        .setReadonly(true).setRecursiveReadOnly(true))
                .addMounts(Mount.newBuilder().setContainerPath("/etc/hosts").setHostPath(file.toString()))
                .addDevices(Device.newBuilder().setContainerPath("/dev/xnull").setHostPath("/dev/null").setPermissions("rw"))
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(LinuxContainerResources.newBuilder().setOomScoreAdj(-998))
                        .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setNoNewPrivs(true)
                                .setReadonlyRootfs(true)
                                .setCapabilities(Capability.newBuilder().addAddCapabilities("net_admin")
                                        .addDropCapabilities("CAP_KILL").addAddAmbientCapabilities("NET_RAW"))
                                .setSeccomp(SecurityProfile.newBuilder()
                                        .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))
                                .addMaskedPaths("/m").addSupplementalGroups(5))).build();
        var image = TestBundles.image(Map.of("Entrypoint", List.of("/ep"), "Cmd", List.of("c"),
                "Env", List.of("B=2", "PATH=/img"), "WorkingDir", "/iw", "User", "app:extra"));
        check("unprivileged", new SpecInput("cid1", c, pod(), image, "busybox:1", rootfs, CgroupDriver.CGROUPFS));
    }

    @Test
    void privileged() throws IOException {
        ContainerConfig c = TestBundles.command("p", "sh").toBuilder().setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setPrivileged(true)
                        .setSeccompProfilePath("runtime/default"))).build();
        check("privileged", new SpecInput("cid2", c, pod(), null, "", rootfs, CgroupDriver.CGROUPFS));
    }

    @Test
    void usersGroupsAndHostPid() throws IOException {
        ContainerConfig c = TestBundles.command("u", "sh").toBuilder().setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setRunAsUsername("bob")
                        .setRunAsGroup(Int64Value.newBuilder().setValue(7)).setSeccompProfilePath("docker/default")
                        .setCapabilities(Capability.newBuilder().addAddCapabilities("ALL").addDropCapabilities("SYS_ADMIN"))
                        .setSupplementalGroupsPolicy(SupplementalGroupsPolicy.Strict))).build();
        PodContext hostPod = new PodContext("p2", "h", "ns", "u", "", null, null, null, null, true, null, null, null, null,
                "kubepods-burstable.slice", Map.of());
        check("users", new SpecInput("cid3", c, hostPod, null, "img", rootfs, CgroupDriver.SYSTEMD));
    }

    /** The infra container's spec: its key order was once left to {@code Map.of}, and so changed between runs. */
    @Test
    void infra() throws IOException {
        write("infra", InfraSpec.generate(pod(), List.of("-v"), rootfs, CgroupDriver.CGROUPFS, -999,
                Map.of("io.kubernetes.cri.untrusted-workload", "true")).toJson());
    }

    private PodContext pod() {
        return new PodContext("p1", "web", "ns1", "u1", "podhost", Path.of("/run/netns/a"), Path.of("/run/ipc/a"),
                Path.of("/run/uts/a"), Path.of("/proc/1/ns/pid"), false, dir.resolve("shm"), file, file, file,
                "/kubepods/burstable/pod1", Map.of("net.ipv4.ip_forward", "1"));
    }

    private void check(String name, SpecInput in) throws IOException {
        write(name, new SpecGenerator(host).generate(in).toJson());
    }

    private void write(String name, Map<String, Object> spec) throws IOException {
        String actual = Json.write(spec).replace(dir.toString(), "$DIR") + "\n";
        String resource = "golden/" + name + ".json";
        if (Boolean.getBoolean("golden.write")) {
            Files.writeString(Path.of("src/test/resources/dev/hako/spec").resolve(resource), actual);
        }
        try (InputStream expected = SpecGoldenTest.class.getResourceAsStream(resource)) {
            assertThat(expected).as(resource).isNotNull();
            assertThat(actual).isEqualTo(new String(expected.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
