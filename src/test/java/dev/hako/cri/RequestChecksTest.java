package dev.hako.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.Int64Value;
import dev.hako.cri.v1.KeyValue;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.Mount;
import dev.hako.cri.v1.MountPropagation;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.PortMapping;
import dev.hako.error.HakoException;
import dev.hako.oci.HostCgroups;
import io.grpc.Status;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * Items 20-22 of issue 13, field by field: what the CRI adapters refuse before anything reaches a
 * runtime, CNI or the registry, and that the answer names the field and quotes at most a few
 * hundred characters of the value. (CriFuzzIT sends the same through a real daemon.)
 */
class RequestChecksTest {
    private static final String MIB = "a".repeat(1024 * 1024);

    private static void refused(ThrowingCallable call, String field) {
        assertThatThrownBy(call).isInstanceOfSatisfying(HakoException.class, e -> {
            assertThat(e.kind()).isEqualTo(HakoException.Kind.INVALID_ARGUMENT);
            assertThat(e.getMessage()).startsWith(field + ": ").hasSizeLessThan(600);
        });
    }

    private static CreateContainerRequest create(ContainerConfig.Builder c) {
        return CreateContainerRequest.newBuilder().setPodSandboxId("p").setConfig(c).build();
    }

    private static ContainerConfig.Builder container() {
        return ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c"))
                .addCommand("/bin/sh").setWorkingDir("/");
    }

    @Test
    void everyStringIsBoundedAndFreeOfNul() {
        refused(() -> RequestLimits.check(create(container().setLogPath("x\0.log"))), "config.log_path");
        refused(() -> RequestLimits.check(create(container().addMounts(Mount.newBuilder().setHostPath("/data\0x")))),
                "config.mounts[0].host_path");
        refused(() -> RequestLimits.check(create(container().setMetadata(ContainerMetadata.newBuilder().setName("c\0")))),
                "config.metadata.name");
        refused(() -> RequestLimits.check(create(container().addArgs("echo\0hi"))), "config.args[0]");
        refused(() -> RequestLimits.check(create(container().addEnvs(KeyValue.newBuilder().setKey("A")
                .setValue(ByteString.copyFromUtf8("x\0y"))))), "config.envs[0].value");
        refused(() -> RequestLimits.check(create(container().setWorkingDir("/" + MIB))), "config.working_dir");
        refused(() -> RequestLimits.check(create(container().setImage(dev.hako.cri.v1.ImageSpec.newBuilder()
                .setImage(MIB)))), "config.image.image");
        refused(() -> RequestLimits.check(create(container().setCommand(0, "/" + MIB))), "config.command[0]");
        // an argument may be long, up to the kernel's MAX_ARG_STRLEN
        assertThatCode(() -> RequestLimits.check(create(container().addArgs("b".repeat(100_000))))).doesNotThrowAnyException();
        refused(() -> RequestLimits.check(create(container().addArgs("b".repeat(200_000)))), "config.args[0]");
    }

    @Test
    void mapsAndListsAreBoundedLikeKubernetesObjects() {
        ContainerConfig.Builder many = container();
        for (int i = 0; i < 10_000; i++) {
            many.putAnnotations("fuzz.example.com/a" + i, "v".repeat(30));
        }
        refused(() -> RequestLimits.check(create(many)), "config.annotations");
        LinuxContainerSecurityContext.Builder groups = LinuxContainerSecurityContext.newBuilder();
        for (int i = 0; i < 100_000; i++) {
            groups.addSupplementalGroups(i);
        }
        refused(() -> RequestLimits.check(create(container().setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(groups)))), "config.linux.security_context.supplemental_groups");
        refused(() -> RequestLimits.check(create(container().addMounts(Mount.newBuilder().setHostPath("/d")
                .setContainerPath("/d").setPropagationValue(99)))), "config.mounts[0].propagation");
        assertThatCode(() -> RequestLimits.check(create(container().addMounts(Mount.newBuilder().setHostPath("/d")
                .setContainerPath("/d").setPropagation(MountPropagation.PROPAGATION_BIDIRECTIONAL)))))
                .doesNotThrowAnyException();
    }

    @Test
    void numbersStayInTheRangesTheKernelAndRuncAccept() {
        LinuxContainerResources ok = LinuxContainerResources.newBuilder().setCpuShares(2).setCpuPeriod(100_000)
                .setCpuQuota(-1).setMemoryLimitInBytes(6L << 20).setOomScoreAdj(-1000).setCpusetCpus("0").build();
        assertThatCode(() -> ResourceChecks.check(ok, "r")).doesNotThrowAnyException();
        refused(() -> ResourceChecks.check(ok.toBuilder().setMemoryLimitInBytes(1).build(), "r"), "r.memory_limit_in_bytes");
        refused(() -> ResourceChecks.check(ok.toBuilder().setCpuShares(262_145).build(), "r"), "r.cpu_shares");
        refused(() -> ResourceChecks.check(ok.toBuilder().setCpuShares(1).build(), "r"), "r.cpu_shares");
        refused(() -> ResourceChecks.check(ok.toBuilder().setCpuPeriod(999).build(), "r"), "r.cpu_period");
        refused(() -> ResourceChecks.check(ok.toBuilder().setCpuPeriod(1_000_001).build(), "r"), "r.cpu_period");
        refused(() -> ResourceChecks.check(ok.toBuilder().setCpuQuota(999).build(), "r"), "r.cpu_quota");
        refused(() -> ResourceChecks.check(ok.toBuilder().setCpuQuota(Long.MAX_VALUE).build(), "r"), "r.cpu_quota");
        refused(() -> ResourceChecks.check(ok.toBuilder().setOomScoreAdj(1001).build(), "r"), "r.oom_score_adj");
        refused(() -> ResourceChecks.check(ok.toBuilder().setMemorySwapLimitInBytes(1 << 20).build(), "r"),
                "r.memory_swap_limit_in_bytes");
        refused(() -> ResourceChecks.check(ok.toBuilder().setCpusetCpus("0-99999").build(), "r"), "r.cpuset_cpus");
        refused(() -> ResourceChecks.check(ok.toBuilder().setCpusetMems("0,".repeat(1000) + "x").build(), "r"),
                "r.cpuset_mems");
        if (!HostCgroups.current().v2()) {
            refused(() -> ResourceChecks.check(ok.toBuilder().putUnified("memory.high", "max").build(), "r"), "r.unified");
        }
        String sc = "config.linux.security_context";
        refused(() -> ContainerChecks.check(container().setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().setRunAsUser(Int64Value.newBuilder().setValue(2147483648L))))
                .build()), sc + ".run_as_user");
        refused(() -> ContainerChecks.check(container().setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().addSupplementalGroups(-5))).build()),
                sc + ".supplemental_groups[0]");
        refused(() -> ContainerChecks.execTimeout(4294967295L, "timeout"), "timeout");
    }

    @Test
    void namesHostnamesAndPortsAreWhatKubernetesAllows() {
        PodSandboxConfig pod = PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder().setName("web-0")
                .setNamespace("default").setUid("6f1c")).setHostname("web-0.example").build();
        assertThatCode(() -> PodChecks.check(pod)).doesNotThrowAnyException();
        refused(() -> PodChecks.check(pod.toBuilder().setHostname("a..b").build()), "config.hostname");
        refused(() -> PodChecks.check(pod.toBuilder().setHostname("-a").build()), "config.hostname");
        refused(() -> PodChecks.check(pod.toBuilder().setHostname(MIB).build()), "config.hostname");
        refused(() -> PodChecks.check(pod.toBuilder().setMetadata(pod.getMetadata().toBuilder().setName("a;b=c")).build()),
                "config.metadata.name");
        refused(() -> PodChecks.check(pod.toBuilder().setMetadata(pod.getMetadata().toBuilder().setNamespace(MIB)).build()),
                "config.metadata.namespace");
        refused(() -> PodChecks.check(pod.toBuilder().addPortMappings(PortMapping.newBuilder().setContainerPort(80)
                .setHostPort(70000)).build()), "config.port_mappings[0].host_port");
        refused(() -> PodChecks.check(pod.toBuilder().addPortMappings(PortMapping.newBuilder().setContainerPort(80)
                .setHostIp("999.1.1.1;x")).build()), "config.port_mappings[0].host_ip");
        refused(() -> PodChecks.check(pod.toBuilder().setLinux(dev.hako.cri.v1.LinuxPodSandboxConfig.newBuilder()
                .setCgroupParent("/kubepods/../../x")).build()), "config.linux.cgroup_parent");
        refused(() -> ContainerChecks.check(container().setWorkingDir("tmp").build()), "config.working_dir");
        refused(() -> ContainerChecks.check(container().addEnvs(KeyValue.newBuilder().setKey("A=B")).build()),
                "config.envs[0].key");
        refused(() -> ContainerChecks.check(container().addMounts(Mount.newBuilder().setHostPath("rel")).build()),
                "config.mounts[0].host_path");
    }

    @Test
    void echoedValuesAreCut() {
        assertThat(Echo.of(MIB)).hasSizeLessThan(300).endsWith("(1048576 characters in all)");
        assertThat(Echo.of("a\0b\nc")).isEqualTo("a\\x00b\\x0ac");
        HakoException huge = HakoException.invalidArgument("config.working_dir", "\"" + MIB + "\" does not exist");
        assertThat(ErrorStatus.of("CreateContainer", huge).getStatus())
                .satisfies(s -> assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
                .satisfies(s -> assertThat(s.getDescription()).startsWith("config.working_dir: \"aaa").hasSizeLessThan(1100));
        assertThat(ErrorStatus.of("X", new IllegalStateException(MIB)).getStatus().getDescription()).hasSizeLessThan(1100);
    }
}
