package dev.hako.testing.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.hako.cri.v1.AttachRequest;
import dev.hako.cri.v1.AuthConfig;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.DNSConfig;
import dev.hako.cri.v1.Device;
import dev.hako.cri.v1.ExecRequest;
import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.HugepageLimit;
import dev.hako.cri.v1.ImageServiceGrpc;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.ImageStatusRequest;
import dev.hako.cri.v1.Int64Value;
import dev.hako.cri.v1.KeyValue;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.LinuxPodSandboxConfig;
import dev.hako.cri.v1.LinuxSandboxSecurityContext;
import dev.hako.cri.v1.Mount;
import dev.hako.cri.v1.NamespaceMode;
import dev.hako.cri.v1.NamespaceOption;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.PortForwardRequest;
import dev.hako.cri.v1.PortMapping;
import dev.hako.cri.v1.Protocol;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.cri.v1.RemoveImageRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.RuntimeConfig;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.cri.v1.SecurityProfile;
import dev.hako.cri.v1.UpdateContainerResourcesRequest;
import dev.hako.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.hako.cri.v1.UpdateRuntimeConfigRequest;
import dev.hako.cri.v1.NetworkConfig;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Requests Hako would accept (or answer cleanly) for each RPC, aimed at the fuzz targets; the
 * fuzzer mutates these. Also the named hostile cases: each a baseline with one field made bad.
 */
final class Baselines {
    private static final int MIB = HostileValues.MIB;
    private final FuzzTargets t;
    private final HostileValues hostile;

    Baselines(FuzzTargets targets, HostileValues hostile) {
        this.t = targets;
        this.hostile = hostile;
    }

    /** A valid-looking request for the RPC named {@code rpc} (a fresh pod or container name each time). */
    Message of(String rpc) {
        return switch (rpc) {
            case "RunPodSandbox" -> RunPodSandboxRequest.newBuilder().setConfig(pod(hostile.unique())).build();
            case "CreateContainer" -> createContainer(container(hostile.unique()));
            case "UpdateContainerResources" -> UpdateContainerResourcesRequest.newBuilder()
                    .setContainerId(t.containerId()).setLinux(resources()).build();
            case "UpdatePodSandboxResources" -> UpdatePodSandboxResourcesRequest.newBuilder()
                    .setPodSandboxId(t.podId()).setResources(resources()).setOverhead(resources()).build();
            case "ExecSync" -> ExecSyncRequest.newBuilder().setContainerId(t.containerId()).addCmd("/bin/true")
                    .setTimeout(5).build();
            case "Exec" -> ExecRequest.newBuilder().setContainerId(t.containerId()).addCmd("/bin/true")
                    .setStdout(true).build();
            case "Attach" -> AttachRequest.newBuilder().setContainerId(t.containerId()).setStdout(true).build();
            case "PortForward" -> PortForwardRequest.newBuilder().setPodSandboxId(t.podId()).addPort(80).build();
            case "PullImage" -> PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(t.victimImage()))
                    .setAuth(AuthConfig.newBuilder().setUsername("u").setPassword("p")).setSandboxConfig(t.podConfig())
                    .build();
            case "ImageStatus" -> ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(t.image()))
                    .setVerbose(true).build();
            case "RemoveImage" -> RemoveImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(t.victimImage())).build();
            case "UpdateRuntimeConfig" -> UpdateRuntimeConfigRequest.newBuilder().setRuntimeConfig(RuntimeConfig
                    .newBuilder().setNetworkConfig(NetworkConfig.newBuilder().setPodCidr("10.231.14.0/24"))).build();
            default -> generic(rpc);
        };
    }

    /** The request type of {@code rpc} with its ID fields aimed at the live pod and container. */
    private Message generic(String rpc) {
        MethodDescriptor<?, ?> m = RuntimeServiceGrpc.getServiceDescriptor().getMethods().stream()
                .filter(x -> x.getBareMethodName().equals(rpc)).findFirst()
                .orElseGet(() -> ImageServiceGrpc.getServiceDescriptor().getMethods().stream()
                        .filter(x -> x.getBareMethodName().equals(rpc)).findFirst().orElseThrow());
        var input = ((ProtoMethodDescriptorSupplier) m.getSchemaDescriptor()).getMethodDescriptor().getInputType();
        Message.Builder b = com.google.protobuf.DynamicMessage.newBuilder(input);
        // never aim a destructive call at the fixtures: the rest of the run needs them
        boolean destructive = destructive(rpc);
        for (FieldDescriptor f : input.getFields()) {
            if (f.getName().equals("pod_sandbox_id") && f.getType() == FieldDescriptor.Type.STRING) {
                b.setField(f, destructive ? hostile.unique() : t.podId());
            } else if (f.getName().equals("container_id") && f.getType() == FieldDescriptor.Type.STRING) {
                b.setField(f, destructive ? hostile.unique() : t.containerId());
            }
        }
        try {
            return (Message) Class.forName("dev.hako.cri.v1." + input.getName()).getMethod("parseFrom", byte[].class)
                    .invoke(null, (Object) b.build().toByteArray());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Calls that would stop, remove or restart the fixtures if aimed at them. */
    static boolean destructive(String rpc) {
        return rpc.startsWith("Stop") || rpc.startsWith("Remove") || rpc.startsWith("Start")
                || rpc.startsWith("Checkpoint") || rpc.startsWith("Restore");
    }

    PodSandboxConfig pod(String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("fuzz").setUid(name + "-uid"))
                .setHostname(name)
                .setLogDirectory(t.logRoot().resolve(name).toString())
                .setDnsConfig(DNSConfig.newBuilder().addServers("127.0.0.1").addSearches("fuzz.svc"))
                .addPortMappings(PortMapping.newBuilder().setProtocol(Protocol.TCP).setContainerPort(80)
                        .setHostPort(0))
                .putLabels("app", "fuzz")
                .putAnnotations("fuzz.example.com/note", "baseline")
                .setLinux(LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent("")
                        .putSysctls("net.ipv4.ip_unprivileged_port_start", "0")
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))))
                .build();
    }

    ContainerConfig container(String name) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(t.image()))
                .addAllCommand(List.of("/bin/sh", "-c"))
                .addArgs("sleep 5")
                .setWorkingDir("/tmp")
                .addEnvs(KeyValue.newBuilder().setKey("FUZZ").setValue(ByteString.copyFromUtf8("1")))
                .addMounts(Mount.newBuilder().setHostPath(t.hostRoot().resolve("data").toString())
                        .setContainerPath("/data").setReadonly(true))
                .addDevices(Device.newBuilder().setHostPath("/dev/null").setContainerPath("/dev/fuzznull")
                        .setPermissions("rw"))
                .putLabels("app", "fuzz")
                .putAnnotations("fuzz.example.com/note", "baseline")
                .setLogPath(name + ".log")
                .setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(resources())
                        .setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                                .setRunAsUser(Int64Value.newBuilder().setValue(1000))
                                .addSupplementalGroups(1000)
                                .setSeccomp(SecurityProfile.newBuilder()
                                        .setProfileType(SecurityProfile.ProfileType.RuntimeDefault))))
                .build();
    }

    LinuxContainerResources resources() {
        return LinuxContainerResources.newBuilder()
                .setCpuPeriod(100_000).setCpuQuota(50_000).setCpuShares(512)
                .setMemoryLimitInBytes(64L * MIB).setOomScoreAdj(500)
                .build();
    }

    CreateContainerRequest createContainer(ContainerConfig c) {
        return CreateContainerRequest.newBuilder().setPodSandboxId(t.podId()).setConfig(c)
                .setSandboxConfig(t.podConfig()).build();
    }

    private Message create(UnaryOperator<ContainerConfig.Builder> change) {
        return createContainer(change.apply(container(hostile.unique()).toBuilder()).build());
    }

    private Message run(UnaryOperator<PodSandboxConfig.Builder> change) {
        return RunPodSandboxRequest.newBuilder().setConfig(change.apply(pod(hostile.unique()).toBuilder())).build();
    }

    private UnaryOperator<ContainerConfig.Builder> security(UnaryOperator<LinuxContainerSecurityContext.Builder> f) {
        return c -> {
            f.apply(c.getLinuxBuilder().getSecurityContextBuilder());
            return c;
        };
    }

    private UnaryOperator<ContainerConfig.Builder> limits(UnaryOperator<LinuxContainerResources.Builder> f) {
        return c -> {
            f.apply(c.getLinuxBuilder().getResourcesBuilder());
            return c;
        };
    }

    private Message update(UnaryOperator<LinuxContainerResources.Builder> f) {
        return UpdateContainerResourcesRequest.newBuilder().setContainerId(t.containerId())
                .setLinux(f.apply(resources().toBuilder())).build();
    }

    /** The hostile requests the issue names, each a baseline with one thing made bad. */
    Map<String, Message> named() {
        String host = t.hostRoot().toString();
        String huge = "a".repeat(MIB);
        String dots = "a.".repeat(MIB / 2) + "a/b:c";
        Map<String, Message> m = new LinkedHashMap<>();
        // numbers
        m.put("run_as_user 2147483648", create(security(s -> s.setRunAsUser(Int64Value.newBuilder().setValue(2147483648L)))));
        m.put("run_as_user 4294967295", create(security(s -> s.setRunAsUser(Int64Value.newBuilder().setValue(4294967295L)))));
        m.put("run_as_user -1", create(security(s -> s.setRunAsUser(Int64Value.newBuilder().setValue(-1)))));
        m.put("run_as_group 2147483648", create(security(s -> s.setRunAsGroup(Int64Value.newBuilder().setValue(2147483648L)))));
        m.put("supplemental group -5", create(security(s -> s.addSupplementalGroups(-5))));
        m.put("supplemental group 2^32", create(security(s -> s.addSupplementalGroups(4294967296L))));
        m.put("100k supplemental groups", create(security(s -> {
            for (int i = 0; i < 100_000; i++) {
                s.addSupplementalGroups(i);
            }
            return s;
        })));
        m.put("cpu_shares 262145", create(limits(r -> r.setCpuShares(262145))));
        m.put("cpu_shares 1", create(limits(r -> r.setCpuShares(1))));
        m.put("cpu_shares -1", create(limits(r -> r.setCpuShares(-1))));
        m.put("memory 1 byte", create(limits(r -> r.setMemoryLimitInBytes(1))));
        m.put("memory -1", create(limits(r -> r.setMemoryLimitInBytes(-1))));
        m.put("swap below memory", create(limits(r -> r.setMemorySwapLimitInBytes(MIB))));
        m.put("cpu_period 999", create(limits(r -> r.setCpuPeriod(999))));
        m.put("cpu_period 1000001", create(limits(r -> r.setCpuPeriod(1_000_001))));
        m.put("cpu_quota 999", create(limits(r -> r.setCpuQuota(999))));
        m.put("cpu_quota -2", create(limits(r -> r.setCpuQuota(-2))));
        m.put("cpu_quota Long.MAX", create(limits(r -> r.setCpuQuota(Long.MAX_VALUE))));
        m.put("oom_score_adj 1001", create(limits(r -> r.setOomScoreAdj(1001))));
        m.put("oom_score_adj -1001", create(limits(r -> r.setOomScoreAdj(-1001))));
        m.put("unified memory.high", create(limits(r -> r.putUnified("memory.high", "1"))));
        m.put("unified ../../x", create(limits(r -> r.putUnified("../../x", "1"))));
        m.put("cpuset_cpus 1 MiB", create(limits(r -> r.setCpusetCpus("0,".repeat(MIB / 2) + "0"))));
        m.put("cpuset_mems 1 MiB", create(limits(r -> r.setCpusetMems("0".repeat(MIB)))));
        m.put("cpuset_cpus 0-99999", create(limits(r -> r.setCpusetCpus("0-99999"))));
        m.put("hugepage ../x", create(limits(r -> r.addHugepageLimits(HugepageLimit.newBuilder().setPageSize("../x").setLimit(1)))));
        m.put("update: memory 1 byte", update(r -> r.setMemoryLimitInBytes(1)));
        m.put("update: cpu_shares 262145", update(r -> r.setCpuShares(262145)));
        m.put("update: cpu_period 10", update(r -> r.setCpuPeriod(10)));
        m.put("update: unified on v1", update(r -> r.putUnified("memory.high", "max")));
        m.put("update: cpuset_mems 1 MiB", update(r -> r.setCpusetMems("0".repeat(MIB))));
        m.put("pod update: memory 1 byte", UpdatePodSandboxResourcesRequest.newBuilder().setPodSandboxId(t.podId())
                .setResources(resources().toBuilder().setMemoryLimitInBytes(1)).build());
        // strings that become paths, arguments, env and names
        m.put("working_dir 1 MiB", create(c -> c.setWorkingDir("/" + huge)));
        m.put("working_dir relative", create(c -> c.setWorkingDir("tmp/../..")));
        m.put("working_dir NUL", create(c -> c.setWorkingDir("/tmp\0x")));
        m.put("log_path escape", create(c -> c.setLogPath("../../../../../../etc/" + hostile.unique())));
        m.put("log_path NUL", create(c -> c.setLogPath("x\0.log")));
        m.put("log_path 1 MiB", create(c -> c.setLogPath(huge)));
        m.put("host_path missing", create(c -> c.setMounts(0, Mount.newBuilder().setHostPath(host + "/missing/" + hostile.unique())
                .setContainerPath("/m"))));
        m.put("host_path ..", create(c -> c.setMounts(0, Mount.newBuilder().setHostPath(host + "/data/../../../../etc")
                .setContainerPath("/m").setReadonly(true))));
        m.put("host_path NUL", create(c -> c.setMounts(0, Mount.newBuilder().setHostPath(host + "/data\0x").setContainerPath("/m"))));
        m.put("container_path ..", create(c -> c.setMounts(0, Mount.newBuilder().setHostPath(host + "/data")
                .setContainerPath("/../../../../etc/" + hostile.unique()))));
        m.put("container_path relative", create(c -> c.setMounts(0, Mount.newBuilder().setHostPath(host + "/data")
                .setContainerPath("rel/x"))));
        m.put("container_path NUL", create(c -> c.setMounts(0, Mount.newBuilder().setHostPath(host + "/data")
                .setContainerPath("/m\0"))));
        m.put("mount 1 MiB path", create(c -> c.setMounts(0, Mount.newBuilder().setHostPath(host + "/data")
                .setContainerPath("/" + huge))));
        m.put("device ../etc/passwd", create(c -> c.setDevices(0, Device.newBuilder().setHostPath("/dev/../etc/passwd")
                .setContainerPath("/dev/x"))));
        m.put("device NUL", create(c -> c.setDevices(0, Device.newBuilder().setHostPath("/dev/null\0")
                .setContainerPath("/dev/x"))));
        m.put("device container_path ..", create(c -> c.setDevices(0, Device.newBuilder().setHostPath("/dev/null")
                .setContainerPath("/dev/../../etc/" + hostile.unique()))));
        m.put("env key with =", create(c -> c.addEnvs(KeyValue.newBuilder().setKey("A=B").setValue(ByteString.copyFromUtf8("c")))));
        m.put("env NUL", create(c -> c.addEnvs(KeyValue.newBuilder().setKey("A").setValue(ByteString.copyFromUtf8("x\0y")))));
        m.put("env 1 MiB", create(c -> c.addEnvs(KeyValue.newBuilder().setKey("A").setValue(ByteString.copyFromUtf8(huge)))));
        m.put("env invalid UTF-8", create(c -> c.addEnvs(KeyValue.newBuilder().setKey("A")
                .setValue(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xfe})))));
        m.put("100k envs", create(c -> {
            for (int i = 0; i < 100_000; i++) {
                c.addEnvs(KeyValue.newBuilder().setKey("E" + i).setValue(ByteString.copyFromUtf8("v")));
            }
            return c;
        }));
        m.put("command NUL", create(c -> c.setCommand(0, "/bin/sh\0")));
        m.put("command[0] 1 MiB", create(c -> c.setCommand(0, "/" + huge)));
        m.put("args 1 MiB", create(c -> c.setArgs(0, huge)));
        m.put("args NUL", create(c -> c.setArgs(0, "echo\0hi")));
        m.put("container name NUL", create(c -> c.setMetadata(ContainerMetadata.newBuilder().setName("c\0x"))));
        m.put("container name 1 MiB", create(c -> c.setMetadata(ContainerMetadata.newBuilder().setName(huge))));
        m.put("container name ../x", create(c -> c.setMetadata(ContainerMetadata.newBuilder().setName("../x"))));
        m.put("masked path 1 MiB", create(security(s -> s.addMaskedPaths("/" + huge))));
        m.put("masked path NUL", create(security(s -> s.addMaskedPaths("/proc\0"))));
        m.put("readonly path relative", create(security(s -> s.addReadonlyPaths("proc/../.."))));
        m.put("seccomp localhost ..", create(security(s -> s.setSeccomp(SecurityProfile.newBuilder()
                .setProfileType(SecurityProfile.ProfileType.Localhost).setLocalhostRef("../../../../etc/shadow")))));
        m.put("seccomp profile type 99", create(security(s -> s.setSeccomp(SecurityProfile.newBuilder()
                .setProfileTypeValue(99)))));
        m.put("apparmor localhost 1 MiB", create(security(s -> s.setApparmor(SecurityProfile.newBuilder()
                .setProfileType(SecurityProfile.ProfileType.Localhost).setLocalhostRef(huge)))));
        m.put("capability 1 MiB", create(security(s -> s.setCapabilities(dev.hako.cri.v1.Capability.newBuilder()
                .addAddCapabilities(huge)))));
        m.put("run_as_username NUL", create(security(s -> s.clearRunAsUser().setRunAsUsername("root\0"))));
        m.put("stop signal 99", create(c -> c.setStopSignalValue(99)));
        m.put("container 10k annotations", create(c -> {
            for (int i = 0; i < 10_000; i++) {
                c.putAnnotations("fuzz.example.com/a" + i, "v".repeat(30));
            }
            return c;
        }));
        m.put("container 10k labels", create(c -> {
            for (int i = 0; i < 10_000; i++) {
                c.putLabels("l" + i, "v");
            }
            return c;
        }));
        m.put("annotation key 1 MiB", create(c -> c.putAnnotations(huge, "v")));
        m.put("image 1 MiB dots", create(c -> c.setImage(ImageSpec.newBuilder().setImage(dots))));
        m.put("no sandbox_config", CreateContainerRequest.newBuilder().setPodSandboxId(t.podId())
                .setConfig(container(hostile.unique())).build());
        m.put("pod id of nothing", CreateContainerRequest.newBuilder().setPodSandboxId("0".repeat(64))
                .setConfig(container(hostile.unique())).build());
        // pods
        m.put("hostname a..b", run(p -> p.setHostname("a..b")));
        m.put("hostname -a", run(p -> p.setHostname("-a")));
        m.put("hostname 1 MiB", run(p -> p.setHostname(huge)));
        m.put("hostname NUL", run(p -> p.setHostname("a\0b")));
        m.put("pod name ;", run(p -> p.setMetadata(p.getMetadata().toBuilder().setName("a;b=c"))));
        m.put("pod name 1 MiB", run(p -> p.setMetadata(p.getMetadata().toBuilder().setName(huge))));
        m.put("pod name NUL", run(p -> p.setMetadata(p.getMetadata().toBuilder().setName("a\0b"))));
        m.put("pod namespace ,", run(p -> p.setMetadata(p.getMetadata().toBuilder().setNamespace("x,y"))));
        m.put("pod uid =", run(p -> p.setMetadata(p.getMetadata().toBuilder().setUid("u=v"))));
        m.put("log_directory escape", run(p -> p.setLogDirectory(t.logRoot() + "/../../../../../etc/" + hostile.unique())));
        m.put("log_directory relative", run(p -> p.setLogDirectory("logs/" + hostile.unique())));
        m.put("log_directory NUL", run(p -> p.setLogDirectory(t.logRoot() + "/x\0y")));
        m.put("log_directory 1 MiB", run(p -> p.setLogDirectory("/" + huge)));
        m.put("host port 70000", run(p -> p.setPortMappings(0, PortMapping.newBuilder().setContainerPort(80).setHostPort(70000))));
        m.put("container port -1", run(p -> p.setPortMappings(0, PortMapping.newBuilder().setContainerPort(-1))));
        m.put("protocol 99", run(p -> p.setPortMappings(0, PortMapping.newBuilder().setContainerPort(80).setProtocolValue(99))));
        m.put("host_ip garbage", run(p -> p.setPortMappings(0, PortMapping.newBuilder().setContainerPort(80)
                .setHostPort(8080).setHostIp("999.1.1.1;x"))));
        m.put("sysctl value ;", run(p -> p.setLinux(p.getLinux().toBuilder().putSysctls("kernel.shm_rmid_forced", "1;x"))));
        m.put("sysctl ../", run(p -> p.setLinux(p.getLinux().toBuilder().putSysctls("../../../proc/sysrq-trigger", "b"))));
        m.put("cgroup_parent ..", run(p -> p.setLinux(p.getLinux().toBuilder().setCgroupParent("/../../../" + hostile.unique()))));
        m.put("cgroup_parent 1 MiB", run(p -> p.setLinux(p.getLinux().toBuilder().setCgroupParent("/" + huge))));
        m.put("dns 10k servers", run(p -> {
            DNSConfig.Builder d = DNSConfig.newBuilder();
            for (int i = 0; i < 10_000; i++) {
                d.addServers("10.0." + (i / 256 % 256) + "." + (i % 256));
            }
            return p.setDnsConfig(d);
        }));
        m.put("pod 10k annotations", run(p -> {
            for (int i = 0; i < 10_000; i++) {
                p.putAnnotations("fuzz.example.com/a" + i, "v".repeat(30));
            }
            return p;
        }));
        m.put("pod 10k labels", run(p -> {
            for (int i = 0; i < 10_000; i++) {
                p.putLabels("l" + i, "v");
            }
            return p;
        }));
        m.put("pod run_as_user 2147483648", run(p -> p.setLinux(p.getLinux().toBuilder().setSecurityContext(
                p.getLinux().getSecurityContext().toBuilder().setRunAsUser(Int64Value.newBuilder().setValue(2147483648L))))));
        m.put("runtime handler 1 MiB", RunPodSandboxRequest.newBuilder().setConfig(pod(hostile.unique()))
                .setRuntimeHandler(huge).build());
        // images
        m.put("pull 1 MiB dots", PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(dots)).build());
        m.put("pull 1 MiB", PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(huge)).build());
        m.put("pull NUL", PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(t.victimImage() + "\0")).build());
        m.put("pull auth 1 MiB", PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(t.victimImage()))
                .setAuth(AuthConfig.newBuilder().setAuth(huge)).build());
        m.put("status 1 MiB dots", ImageStatusRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(dots)).build());
        m.put("remove 1 MiB dots", RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(dots)).build());
        m.put("remove 1 MiB slashes", RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder()
                .setImage("a/".repeat(MIB / 2) + "b")).build());
        // exec and streams
        m.put("exec NUL arg", ExecSyncRequest.newBuilder().setContainerId(t.containerId()).addCmd("/bin/echo").addCmd("a\0b").build());
        m.put("exec 1 MiB arg0", ExecSyncRequest.newBuilder().setContainerId(t.containerId()).addCmd("/" + huge).build());
        m.put("exec 1 MiB arg", ExecSyncRequest.newBuilder().setContainerId(t.containerId()).addCmd("/bin/echo").addCmd(huge).build());
        m.put("exec timeout -1", ExecSyncRequest.newBuilder().setContainerId(t.containerId()).addCmd("/bin/true").setTimeout(-1).build());
        m.put("exec 100k args", ExecSyncRequest.newBuilder().setContainerId(t.containerId()).addCmd("/bin/true")
                .addAllCmd(java.util.Collections.nCopies(100_000, "x")).build());
        m.put("stream exec NUL", ExecRequest.newBuilder().setContainerId(t.containerId()).addCmd("/bin/sh\0").setStdout(true).build());
        m.put("port forward 65536", PortForwardRequest.newBuilder().setPodSandboxId(t.podId()).addPort(65536).build());
        m.put("port forward 100k ports", PortForwardRequest.newBuilder().setPodSandboxId(t.podId())
                .addAllPort(java.util.Collections.nCopies(100_000, 80)).build());
        m.put("pod cidr garbage", UpdateRuntimeConfigRequest.newBuilder().setRuntimeConfig(RuntimeConfig.newBuilder()
                .setNetworkConfig(NetworkConfig.newBuilder().setPodCidr("10.0.0.0/99;" + huge))).build());
        return m;
    }
}
