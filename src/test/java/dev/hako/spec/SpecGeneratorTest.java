package dev.hako.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import dev.hako.error.HakoException;
import dev.hako.oci.ExecProcess;
import dev.hako.oci.TestBundles;
import dev.hako.image.spec.ImageConfig;
import dev.hako.json.Json;
import dev.hako.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SpecGeneratorTest {
    private static final HostFacts HOST = TestHosts.withEveryCapability();
    private Path dir;
    private Path rootfs;

    @BeforeEach
    void setUp() throws IOException {
        dir = TempDirs.create("hako-spec-");
        rootfs = Files.createDirectories(dir.resolve("rootfs"));
        Path etc = Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), """
                root:x:0:0:root:/root:/bin/sh
                # a comment
                app:x:1000:1000::/home/app:/bin/sh
                bob:x:1001:1002::/home/bob:/bin/sh
                broken line
                """);
        Files.writeString(etc.resolve("group"), """
                root:x:0:
                app:x:1000:
                bobs:x:1002:
                extra:x:2000:app,bob
                other:x:3000:bob
                """);
    }

    @AfterEach
    void tearDown() {
        TempDirs.delete(dir);
    }

    // ---- command, env, cwd --------------------------------------------------------------------

    @Test
    void commandReplacesEntrypointAndArgsReplaceCmd() {
        ImageConfig img = TestBundles.image(Map.of("Entrypoint", List.of("/ep", "-x"), "Cmd", List.of("c1", "c2")));
        assertThat(args(base().build(), img)).containsExactly("/ep", "-x", "c1", "c2");
        assertThat(args(base().addArgs("a").build(), img)).containsExactly("/ep", "-x", "a");
        assertThat(args(base().addCommand("x").build(), img)).containsExactly("x"); // no image Cmd
        assertThat(args(base().addCommand("x").addArgs("y").build(), img)).containsExactly("x", "y");
        assertThat(args(base().addArgs("only").build(), TestBundles.image(Map.of()))).containsExactly("only");
    }

    @Test
    void noCommandAnywhereIsInvalid() {
        assertThatThrownBy(() -> generate(base().build(), TestBundles.image(Map.of())))
                .isInstanceOfSatisfying(HakoException.class,
                        e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INVALID_ARGUMENT))
                .hasMessageContaining("command");
    }

    @Test
    void containerEnvWinsOverImageEnvInPlace() {
        ImageConfig img = TestBundles.image(Map.of("Cmd", List.of("sh"), "Env", List.of("PATH=/img/bin", "A=1", "B=2")));
        ContainerConfig c = base().addEnvs(kv("B", "3")).addEnvs(kv("C", "4")).addEnvs(kv("A", "x=y")).build();
        assertThat(process(generate(c, img)).get("env"))
                .isEqualTo(List.of("PATH=/img/bin", "HOSTNAME=podhost", "A=x=y", "B=3", "C=4"));
    }

    @Test
    void defaultPathWhenTheImageHasNoneAndTermForTty() {
        ContainerConfig c = base().addCommand("sh").setTty(true).build();
        Map<String, Object> p = process(generate(c, null));
        assertThat(p.get("env")).isEqualTo(List.of(ProcessSection.DEFAULT_PATH, "HOSTNAME=podhost", "TERM=xterm"));
        assertThat(p.get("terminal")).isEqualTo(true);
    }

    @Test
    void workingDirFromContainerThenImageThenRoot() {
        ImageConfig img = TestBundles.image(Map.of("Cmd", List.of("sh"), "WorkingDir", "/srv"));
        assertThat(process(generate(base().setWorkingDir("/work").build(), img)).get("cwd")).isEqualTo("/work");
        assertThat(process(generate(base().build(), img)).get("cwd")).isEqualTo("/srv");
        assertThat(process(generate(base().addCommand("sh").build(), null)).get("cwd")).isEqualTo("/");
    }

    // ---- users --------------------------------------------------------------------------------

    @Test
    void imageUserForms() {
        assertThat(user(imageUser(""))).isEqualTo(user(0, 0, 0));
        assertThat(user(imageUser("app"))).isEqualTo(user(1000, 1000, 1000, 2000));
        assertThat(user(imageUser("1001"))).isEqualTo(user(1001, 1002, 1002, 2000, 3000));
        assertThat(user(imageUser("app:extra"))).isEqualTo(user(1000, 2000, 2000));
        assertThat(user(imageUser("1000:42"))).isEqualTo(user(1000, 42, 42, 2000));
        assertThat(user(imageUser("4242"))).isEqualTo(user(4242, 0, 0)); // unknown uid: gid 0, no groups
    }

    @Test
    void unknownImageUserOrGroupIsInvalidAndNamed() {
        assertThatThrownBy(() -> generate(base().addCommand("sh").build(),
                TestBundles.image(Map.of("User", "nobody"))))
                .isInstanceOfSatisfying(HakoException.class,
                        e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INVALID_ARGUMENT))
                .hasMessageContaining("\"nobody\"");
        assertThatThrownBy(() -> generate(base().addCommand("sh").build(),
                TestBundles.image(Map.of("User", "app:nogroup"))))
                .isInstanceOf(HakoException.class)
                .hasMessageContaining("\"nogroup\"");
    }

    @Test
    void securityContextUserOverridesImage() {
        ImageConfig img = TestBundles.image(Map.of("Cmd", List.of("sh"), "User", "app"));
        ContainerConfig byUid = base().setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().setRunAsUser(Int64Value.newBuilder().setValue(1001)))).build();
        assertThat(user(generate(byUid, img))).isEqualTo(user(1001, 1002, 1002, 2000, 3000));

        ContainerConfig byName = base().setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().setRunAsUsername("app")
                        .setRunAsGroup(Int64Value.newBuilder().setValue(5))
                        .addSupplementalGroups(7).addSupplementalGroups(2000).addSupplementalGroups(8))).build();
        assertThat(user(generate(byName, img))).isEqualTo(user(1000, 5, 5, 2000, 7, 8));

        ContainerConfig uidZero = base().setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().setRunAsUser(Int64Value.newBuilder().setValue(0)))).build();
        assertThat(user(generate(uidZero, img))).isEqualTo(user(0, 0, 0));
    }

    @Test
    void unknownRunAsUsernameNamesFieldAndUser() {
        ContainerConfig c = base().addCommand("sh").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().setRunAsUsername("ghost"))).build();
        assertThatThrownBy(() -> generate(c, null))
                .isInstanceOfSatisfying(HakoException.class,
                        e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INVALID_ARGUMENT))
                .hasMessageContaining("run_as_username")
                .hasMessageContaining("\"ghost\"");
    }

    @Test
    void passwdSymlinksResolveInsideTheRootfs() throws IOException {
        Path etc = rootfs.resolve("etc");
        Files.move(etc.resolve("passwd"), etc.resolve("passwd.real"));
        Files.createSymbolicLink(etc.resolve("passwd"), Path.of("/etc/../etc/passwd.real")); // absolute: the rootfs's /etc
        assertThat(user(imageUser("bob"))).isEqualTo(user(1001, 1002, 1002, 2000, 3000));
    }

    // ---- mounts -------------------------------------------------------------------------------

    @Test
    void defaultMountsAndPodFiles() throws IOException {
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n");
        Path resolv = Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.0.0.10\n");
        Path shm = Files.createDirectories(dir.resolve("shm"));
        PodContext pod = new PodContext("p1", "web", "ns1", "u1", "podhost", null, null, null, null, false, shm,
                hosts, resolv, null, "", Map.of());
        Map<String, Object> spec = generate(base().addCommand("sh").build(), null, pod);
        Map<String, Map<String, Object>> m = mountsByDest(spec);
        assertThat(m.keySet()).containsSubsequence("/proc", "/dev", "/dev/pts", "/dev/mqueue", "/sys", "/sys/fs/cgroup")
                .contains("/dev/shm", "/etc/hosts", "/etc/resolv.conf");
        List<String> order = List.copyOf(m.keySet());
        assertThat(order.indexOf("/dev/shm")).isGreaterThan(order.indexOf("/dev")); // /dev is a tmpfs: shm goes on top
        assertThat(m).doesNotContainKey("/etc/hostname"); // the pod has none
        assertThat(m.get("/dev/shm")).containsEntry("type", "bind").containsEntry("source", shm.toString());
        assertThat(m.get("/etc/hosts")).containsEntry("source", hosts.toString());
        assertThat(m.get("/sys").get("options")).asList().contains("ro");
        assertThat(m.get("/sys/fs/cgroup")).containsEntry("type", "cgroup");
        assertThat(m.get("/sys/fs/cgroup").get("options")).asList().contains("ro");

        Map<String, Object> own = generate(base().addCommand("sh").build(), null);
        assertThat(mountsByDest(own).get("/dev/shm")).containsEntry("type", "tmpfs");
        assertThat(mountsByDest(own)).doesNotContainKeys("/etc/hosts", "/etc/resolv.conf", "/etc/hostname");
    }

    @Test
    void criMountsMapPropagationAndReadonly() throws IOException {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        Path c = Files.writeString(dir.resolve("c"), "file");
        Path hosts = Files.writeString(dir.resolve("kubelet-hosts"), "");
        Path podHosts = Files.writeString(dir.resolve("pod-hosts"), "");
        ContainerConfig cfg = base().addCommand("sh")
                .addMounts(Mount.newBuilder().setContainerPath("/data/deep/x").setHostPath(a.toString())
                        .setPropagation(MountPropagation.PROPAGATION_PRIVATE))
                .addMounts(Mount.newBuilder().setContainerPath("/data").setHostPath(b.toString()).setReadonly(true)
                        .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER))
                .addMounts(Mount.newBuilder().setContainerPath("/c").setHostPath(c.toString())
                        .setPropagation(MountPropagation.PROPAGATION_BIDIRECTIONAL))
                .addMounts(Mount.newBuilder().setContainerPath("/etc/hosts").setHostPath(hosts.toString()))
                .build();
        PodContext pod = new PodContext("p1", "web", "ns1", "u1", "podhost", null, null, null, null, false, null,
                podHosts, null, null, "", Map.of());
        Map<String, Object> spec = generate(cfg, null, pod);
        Map<String, Map<String, Object>> m = mountsByDest(spec);
        assertThat(m.get("/data/deep/x").get("options")).isEqualTo(List.of("rbind", "rprivate", "rw"));
        assertThat(m.get("/data").get("options")).isEqualTo(List.of("rbind", "rslave", "ro"));
        assertThat(m.get("/c").get("options")).isEqualTo(List.of("rbind", "rshared", "rw"));
        assertThat(m.get("/data")).containsEntry("type", "bind").containsEntry("source", b.toString());
        assertThat(m.get("/etc/hosts")).containsEntry("source", hosts.toString()); // the kubelet's mount wins
        List<String> order = List.copyOf(m.keySet());
        assertThat(order.indexOf("/data")).isLessThan(order.indexOf("/data/deep/x"));
        assertThat(linux(spec)).containsEntry("rootfsPropagation", "rshared");
    }

    @Test
    void recursiveReadOnlyBecomesRroAndNeedsReadonlyAndPrivate() throws IOException {
        Path a = Files.createDirectories(dir.resolve("rro"));
        PodContext pod = new PodContext("p1", "web", "ns1", "u1", "podhost", null, null, null, null, false, null,
                null, null, null, "", Map.of());
        Mount.Builder rro = Mount.newBuilder().setContainerPath("/data").setHostPath(a.toString()).setReadonly(true)
                .setRecursiveReadOnly(true).setPropagation(MountPropagation.PROPAGATION_PRIVATE);
        Map<String, Object> spec = generate(base().addCommand("sh").addMounts(rro).build(), null, pod);
        assertThat(mountsByDest(spec).get("/data").get("options")).isEqualTo(List.of("rbind", "rprivate", "ro", "rro"));

        assertThatThrownBy(() -> generate(base().addCommand("sh").addMounts(rro.clone().setReadonly(false)).build(),
                null, pod)).isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.getMessage())
                        .contains("config.mounts[0].recursive_read_only").contains("needs readonly: true"));
        assertThatThrownBy(() -> generate(base().addCommand("sh").addMounts(rro.clone()
                .setPropagation(MountPropagation.PROPAGATION_HOST_TO_CONTAINER)).build(), null, pod))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.getMessage())
                        .contains("config.mounts[0].recursive_read_only").contains("PROPAGATION_PRIVATE"));
    }

    @Test
    void missingHostPathNamesTheMount() throws IOException {
        Path ok = Files.createDirectories(dir.resolve("ok"));
        ContainerConfig cfg = base().addCommand("sh")
                .addMounts(Mount.newBuilder().setContainerPath("/ok").setHostPath(ok.toString()))
                .addMounts(Mount.newBuilder().setContainerPath("/gone").setHostPath(dir.resolve("gone").toString()))
                .build();
        assertThatThrownBy(() -> generate(cfg, null))
                .isInstanceOfSatisfying(HakoException.class,
                        e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INVALID_ARGUMENT))
                .hasMessageContaining("mounts[1].host_path");
    }

    // ---- devices, resources, security ---------------------------------------------------------

    @Test
    void devicesFromHostNodes() {
        ContainerConfig cfg = base().addCommand("sh")
                .addDevices(Device.newBuilder().setContainerPath("/dev/mynull").setHostPath("/dev/null").setPermissions("rw"))
                .build();
        Map<String, Object> linux = linux(generate(cfg, null));
        Map<String, Object> dev = listOfMaps(linux.get("devices")).get(0);
        assertThat(dev).containsEntry("path", "/dev/mynull").containsEntry("type", "c")
                .containsEntry("major", 1L).containsEntry("minor", 3L);
        List<Map<String, Object>> rules = listOfMaps(map(linux.get("resources")).get("devices"));
        assertThat(rules.get(0)).isEqualTo(Map.of("allow", false, "access", "rwm"));
        assertThat(rules.get(1)).isEqualTo(Map.of("allow", true, "type", "c", "major", 1L, "minor", 3L, "access", "rw"));

        ContainerConfig missing = base().addCommand("sh")
                .addDevices(Device.newBuilder().setContainerPath("/dev/x").setHostPath("/dev/hako-none").setPermissions("rwm"))
                .build();
        assertThatThrownBy(() -> generate(missing, null)).isInstanceOf(HakoException.class)
                .hasMessageContaining("devices[0].host_path");
    }

    @Test
    void oomScoreAdjIsClampedToTheHostMinimum() {
        assertThat(process(generate(withOom(-998), null, pod(), 0)).get("oomScoreAdj")).isEqualTo(0);
        assertThat(process(generate(withOom(500), null, pod(), 0)).get("oomScoreAdj")).isEqualTo(500);
        assertThat(process(generate(withOom(-999), null, pod(), -1000)).get("oomScoreAdj")).isEqualTo(-999);
        assertThat(process(generate(withOom(0), null, pod(), -500)).get("oomScoreAdj")).isEqualTo(0);
    }

    @Test
    void cpuAndMemoryResources() {
        ContainerConfig c = base().addCommand("sh").setLinux(LinuxContainerConfig.newBuilder().setResources(
                LinuxContainerResources.newBuilder().setCpuShares(512).setCpuQuota(50000).setCpuPeriod(100000)
                        .setCpusetCpus("0").setMemoryLimitInBytes(64L << 20))).build();
        Map<String, Object> res = map(linux(generate(c, null)).get("resources"));
        assertThat(map(res.get("cpu"))).containsEntry("shares", 512L).containsEntry("quota", 50000L)
                .containsEntry("period", 100000L).containsEntry("cpus", "0");
        assertThat(map(res.get("memory"))).containsEntry("limit", 64L << 20);
        assertThat(linux(generate(base().addCommand("sh").build(), null)).get("resources"))
                .isEqualTo(Map.of("devices", List.of(Map.of("allow", false, "access", "rwm"))));
    }

    @Test
    void capabilitiesDefaultsAddDropAndPrivileged() {
        Map<String, Object> caps = map(process(generate(base().addCommand("sh").build(), null)).get("capabilities"));
        assertThat(caps.get("bounding")).asList()
                .containsExactlyInAnyOrderElementsOf(SpecGenerator.DEFAULT_CAPABILITIES);

        ContainerConfig addDrop = base().addCommand("sh").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().setCapabilities(Capability.newBuilder()
                        .addAddCapabilities("NET_ADMIN").addAddCapabilities("cap_sys_time")
                        .addDropCapabilities("KILL").addDropCapabilities("CHOWN")))).build();
        Map<String, Object> c2 = map(process(generate(addDrop, null)).get("capabilities"));
        assertThat(c2.get("effective")).asList().contains("CAP_NET_ADMIN", "CAP_SYS_TIME")
                .doesNotContain("CAP_KILL", "CAP_CHOWN");

        ContainerConfig dropAll = base().addCommand("sh").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().setCapabilities(Capability.newBuilder()
                        .addDropCapabilities("ALL").addAddCapabilities("NET_BIND_SERVICE")))).build();
        assertThat(map(process(generate(dropAll, null)).get("capabilities")).get("permitted"))
                .isEqualTo(List.of("CAP_NET_BIND_SERVICE"));

        ContainerConfig priv = base().addCommand("sh").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().setPrivileged(true))).build();
        Map<String, Object> spec = generate(priv, null);
        assertThat(map(process(spec).get("capabilities")).get("bounding")).asList()
                .containsExactlyInAnyOrderElementsOf(HOST.capabilities())
                .contains("CAP_SYS_ADMIN");
        assertThat(linux(spec)).doesNotContainKeys("maskedPaths", "readonlyPaths");
        assertThat(mountsByDest(spec).get("/sys").get("options")).asList().contains("rw");
    }

    @Test
    void maskedAndReadonlyPathsDefaultUnlessGiven() {
        Map<String, Object> linux = linux(generate(base().addCommand("sh").build(), null));
        assertThat(linux.get("maskedPaths")).asList().contains("/proc/acpi", "/proc/kcore", "/proc/keys", "/sys/firmware");
        assertThat(linux.get("readonlyPaths")).asList().contains("/proc/bus", "/proc/fs", "/proc/sys", "/proc/sysrq-trigger");

        ContainerConfig given = base().addCommand("sh").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().addMaskedPaths("/proc/x").addReadonlyPaths("/proc/y"))).build();
        Map<String, Object> l2 = linux(generate(given, null));
        assertThat(l2.get("maskedPaths")).isEqualTo(List.of("/proc/x"));
        assertThat(l2.get("readonlyPaths")).isEqualTo(List.of("/proc/y"));
    }

    @Test
    void rootAndReadonlyRootfs() {
        ContainerConfig ro = base().addCommand("sh").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(
                LinuxContainerSecurityContext.newBuilder().setReadonlyRootfs(true).setNoNewPrivs(true))).build();
        Map<String, Object> spec = generate(ro, null);
        assertThat(map(spec.get("root"))).containsEntry("path", rootfs.toString()).containsEntry("readonly", true);
        assertThat(process(spec)).containsEntry("noNewPrivileges", true);
        assertThat(spec).containsEntry("ociVersion", "1.0.2");
    }

    // ---- pod: namespaces, hostname, cgroups, sysctls, annotations -----------------------------

    @Test
    void namespacesFollowThePod() {
        assertThat(generate(base().addCommand("sh").build(), null, pod()).get("linux"))
                .extracting(l -> map(l).get("namespaces"))
                .isEqualTo(List.of(Map.of("type", "pid"), Map.of("type", "mount"), Map.of("type", "cgroup")));

        PodContext joined = new PodContext("p1", "web", "ns1", "u1", "podhost", Path.of("/run/netns/n1"),
                Path.of("/run/ipcns/i1"), Path.of("/run/utsns/u1"), Path.of("/proc/42/ns/pid"), false, null, null,
                null, null, "", Map.of("net.ipv4.ip_forward", "1"));
        Map<String, Object> spec = generate(base().addCommand("sh").build(), null, joined);
        assertThat(linux(spec).get("namespaces")).isEqualTo(List.of(
                Map.of("type", "pid", "path", "/proc/42/ns/pid"),
                Map.of("type", "network", "path", "/run/netns/n1"),
                Map.of("type", "ipc", "path", "/run/ipcns/i1"),
                Map.of("type", "uts", "path", "/run/utsns/u1"),
                Map.of("type", "mount"), Map.of("type", "cgroup")));
        assertThat(spec).containsEntry("hostname", "podhost");
        assertThat(linux(spec).get("sysctl")).isEqualTo(Map.of("net.ipv4.ip_forward", "1"));

        PodContext hostPid = new PodContext("p1", "web", "ns1", "u1", "podhost", null, null, null, null, true, null,
                null, null, null, "", Map.of());
        Map<String, Object> hp = generate(base().addCommand("sh").build(), null, hostPid);
        assertThat(linux(hp).get("namespaces")).isEqualTo(List.of(Map.of("type", "mount"), Map.of("type", "cgroup")));
        assertThat(hp).doesNotContainKey("hostname"); // the host's UTS namespace
    }

    @Test
    void cgroupsPathForBothDrivers() {
        assertThat(SpecGenerator.cgroupsPath(CgroupDriver.CGROUPFS, "", "abc")).isEqualTo("/hako/hako-abc");
        assertThat(SpecGenerator.cgroupsPath(CgroupDriver.CGROUPFS, "/kubepods/burstable/pod1", "abc"))
                .isEqualTo("/kubepods/burstable/pod1/hako-abc");
        assertThat(SpecGenerator.cgroupsPath(CgroupDriver.SYSTEMD, "", "abc")).isEqualTo("system.slice:hako:abc");
        assertThat(SpecGenerator.cgroupsPath(CgroupDriver.SYSTEMD, "kubepods-burstable-pod1.slice", "abc"))
                .isEqualTo("kubepods-burstable-pod1.slice:hako:abc");

        PodContext p = new PodContext("p1", "web", "ns1", "u1", "h", null, null, null, null, false, null, null, null,
                null, "kubepods-pod1.slice", Map.of());
        Map<String, Object> spec = new SpecGenerator(HOST).generate(new SpecInput("cid", base().addCommand("sh").build(), p,
                null, "img", rootfs, CgroupDriver.SYSTEMD)).toJson();
        assertThat(linux(spec)).containsEntry("cgroupsPath", "kubepods-pod1.slice:hako:cid");
        assertThat(linux(generate(base().addCommand("sh").build(), null))).containsEntry("cgroupsPath", "/hako/hako-cid");
    }

    @Test
    void annotationsCarryThePodAndContainer() {
        ContainerConfig c = base().addCommand("sh").putAnnotations("user.example/a", "1").build();
        PodContext pod = new PodContext("sandbox1", "web", "team", "uid-7", "h", null, null, null, null, false, null,
                null, null, null, "", Map.of());
        Map<String, Object> spec = new SpecGenerator(HOST).generate(new SpecInput("cid", c, pod, null,
                "docker.io/library/busybox:1", rootfs, CgroupDriver.CGROUPFS)).toJson();
        assertThat(map(spec.get("annotations")))
                .containsEntry("user.example/a", "1")
                .containsEntry("io.kubernetes.cri.container-type", "container")
                .containsEntry("io.kubernetes.cri.sandbox-id", "sandbox1")
                .containsEntry("io.kubernetes.cri.sandbox-name", "web")
                .containsEntry("io.kubernetes.cri.sandbox-namespace", "team")
                .containsEntry("io.kubernetes.cri.sandbox-uid", "uid-7")
                .containsEntry("io.kubernetes.cri.container-name", "ctr")
                .containsEntry("io.kubernetes.cri.image-name", "docker.io/library/busybox:1");
    }

    @Test
    void execProcessReplacesArgsAndKeepsTheRest() {
        Map<String, Object> spec = generate(base().addCommand("sleep").addArgs("1000")
                .addEnvs(kv("A", "1")).build(), null);
        String before = Json.write(spec);
        Map<String, Object> p = ExecProcess.of(spec, List.of("echo", "hi"), true);
        assertThat(p.get("args")).isEqualTo(List.of("echo", "hi"));
        assertThat(p.get("terminal")).isEqualTo(true);
        assertThat(p.get("env")).asList().contains("A=1", "TERM=xterm");
        assertThat(p.get("user")).isEqualTo(process(spec).get("user"));
        assertThat(Json.write(spec)).isEqualTo(before); // the container's spec is untouched
        assertThat(ExecProcess.of(spec, List.of("true"), false).get("env")).asList().doesNotContain("TERM=xterm");
    }

    @Test
    void specIsWritableJson() {
        Map<String, Object> spec = generate(base().addCommand("sh").build(), null);
        Map<String, Object> back = Json.parseObject(Json.write(spec));
        assertThat(map(back.get("process")).get("args")).isEqualTo(List.of("sh"));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static ContainerConfig.Builder base() {
        return ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("ctr"));
    }

    private static KeyValue kv(String k, String v) {
        return KeyValue.newBuilder().setKey(k).setValue(ByteString.copyFromUtf8(v)).build();
    }

    private static ContainerConfig withOom(long adj) {
        return base().addCommand("sh").setLinux(LinuxContainerConfig.newBuilder().setResources(
                LinuxContainerResources.newBuilder().setOomScoreAdj(adj))).build();
    }

    private static PodContext pod() {
        return new PodContext("p1", "web", "ns1", "u1", "podhost", null, null, null, null, false, null, null, null,
                null, "", Map.of());
    }

    private Map<String, Object> generate(ContainerConfig c, ImageConfig img) {
        return generate(c, img, pod());
    }

    private Map<String, Object> generate(ContainerConfig c, ImageConfig img, PodContext pod) {
        return generate(c, img, pod, 0);
    }

    private Map<String, Object> generate(ContainerConfig c, ImageConfig img, PodContext pod, int minOom) {
        return new SpecGenerator(HOST.withMinOomScoreAdj(minOom))
                .generate(new SpecInput("cid", c, pod, img, "busybox", rootfs, CgroupDriver.CGROUPFS)).toJson();
    }

    private List<String> args(ContainerConfig c, ImageConfig img) {
        @SuppressWarnings("unchecked")
        List<String> a = (List<String>) process(generate(c, img)).get("args");
        return a;
    }

    private Map<String, Object> imageUser(String user) {
        return generate(base().addCommand("sh").build(), TestBundles.image(Map.of("User", user)));
    }

    private static Map<String, Object> user(Map<String, Object> spec) {
        return map(process(spec).get("user"));
    }

    private static Map<String, Object> user(int uid, int gid, long... gids) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("uid", uid);
        u.put("gid", gid);
        List<Long> g = new java.util.ArrayList<>();
        for (long x : gids) {
            g.add(x);
        }
        u.put("additionalGids", g);
        return u;
    }

    private static Map<String, Object> process(Map<String, Object> spec) {
        return map(spec.get("process"));
    }

    private static Map<String, Object> linux(Map<String, Object> spec) {
        return map(spec.get("linux"));
    }

    private static Map<String, Map<String, Object>> mountsByDest(Map<String, Object> spec) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Map<String, Object> m : listOfMaps(spec.get("mounts"))) {
            out.put((String) m.get("destination"), m);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> listOfMaps(Object o) {
        return (List<Map<String, Object>>) o;
    }
}
