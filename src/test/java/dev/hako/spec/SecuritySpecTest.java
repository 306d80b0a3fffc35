package dev.hako.spec;

import static dev.hako.spec.SpecGeneratorTest.listOfMaps;
import static dev.hako.spec.SpecGeneratorTest.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.CgroupDriver;
import dev.hako.cri.v1.Capability;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.Int64Value;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.SELinuxOption;
import dev.hako.cri.v1.SecurityProfile;
import dev.hako.cri.v1.SupplementalGroupsPolicy;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The security context in the generated spec: seccomp, capabilities, users, MAC, privileged, sysctls. */
class SecuritySpecTest {
    private Path dir;
    private Path rootfs;

    @BeforeEach
    void setUp() throws IOException {
        dir = TempDirs.create("hako-sec-");
        rootfs = Files.createDirectories(dir.resolve("rootfs"));
        Path etc = Files.createDirectories(rootfs.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app\n");
    }

    @AfterEach
    void tearDown() {
        TempDirs.delete(dir);
    }

    // ---- seccomp ------------------------------------------------------------------------------

    @Test
    void defaultProfileResource() {
        Map<String, Object> p = Seccomp.defaultProfile();
        assertThat(p).containsEntry("defaultAction", "SCMP_ACT_ERRNO").containsEntry("defaultErrnoRet", 1L);
        assertThat(names(Seccomp.resolve(p, java.util.Set.of(), "amd64").toJson())).contains("read", "write", "execve",
                "clone", "socket", "arch_prctl").doesNotContain("sethostname", "mount", "reboot", "kexec_load",
                "add_key", "keyctl", "breakpoint");
        assertThat(names(Seccomp.resolve(p, java.util.Set.of(), "arm64").toJson())).doesNotContain("arch_prctl");
        assertThat(Seccomp.resolve(p, java.util.Set.of(), "arm64").toJson().get("architectures"))
                .isEqualTo(List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"));
    }

    @Test
    void unsetAndUnconfinedMeanNoSeccomp() {
        assertThat(linux(generate(sc()))).doesNotContainKey("seccomp");
        assertThat(linux(generate(sc().setSeccomp(profile(SecurityProfile.ProfileType.Unconfined))))).doesNotContainKey("seccomp");
        assertThat(linux(generate(sc().setSeccompProfilePath("unconfined")))).doesNotContainKey("seccomp");
    }

    @Test
    void runtimeDefaultAppliesCapabilityConditions() {
        Map<String, Object> s = seccomp(generate(sc().setSeccomp(profile(SecurityProfile.ProfileType.RuntimeDefault))));
        assertThat(s).containsEntry("defaultAction", "SCMP_ACT_ERRNO").containsEntry("defaultErrnoRet", 1L)
                .doesNotContainKeys("archMap", "comment");
        assertThat(s.get("architectures")).asList().contains("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        assertThat(names(s)).doesNotContain("sethostname", "setdomainname", "mount", "umount2", "unshare", "reboot",
                "chroot");
        Map<String, Object> clone = rule(s, "clone");
        assertThat(listOfMaps(clone.get("args"))).singleElement()
                .satisfies(a -> assertThat(a).containsEntry("op", "SCMP_CMP_MASKED_EQ").containsEntry("value", 2114060288L));
        assertThat(rule(s, "clone3")).containsEntry("action", "SCMP_ACT_ERRNO").containsEntry("errnoRet", 38L);
        for (Object r : (List<?>) s.get("syscalls")) {
            assertThat(map(r)).doesNotContainKeys("includes", "excludes", "comment");
        }

        Map<String, Object> admin = seccomp(generate(sc().setSeccompProfilePath("runtime/default")
                .setCapabilities(Capability.newBuilder().addAddCapabilities("SYS_ADMIN").addAddCapabilities("CAP_SYS_BOOT"))));
        assertThat(names(admin)).contains("sethostname", "setdomainname", "mount", "umount2", "unshare", "reboot")
                .doesNotContain("chroot");
        assertThat(rule(admin, "clone")).doesNotContainKey("args");
        assertThat(rule(admin, "clone3")).containsEntry("action", "SCMP_ACT_ALLOW");
        assertThat(linux(generate(sc().setSeccompProfilePath("docker/default")))).containsKey("seccomp");
        // the spec is still plain JSON
        assertThat(Json.parseObject(Json.write(admin))).isEqualTo(admin);
    }

    @Test
    void localhostProfiles() throws IOException {
        Path file = dir.resolve("p.json");
        Files.writeString(file, """
                {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
                 "syscalls": [{"names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                              {"name": "reboot", "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_BOOT"]}}]}
                """);
        Map<String, Object> s = seccomp(generate(sc().setSeccomp(SecurityProfile.newBuilder()
                .setProfileType(SecurityProfile.ProfileType.Localhost).setLocalhostRef(file.toString()))));
        assertThat(s).isEqualTo(Map.of("defaultAction", "SCMP_ACT_ALLOW", "architectures", List.of("SCMP_ARCH_X86_64"),
                "syscalls", List.of(Map.of("names", List.of("sethostname"), "action", "SCMP_ACT_ERRNO", "errnoRet", 1L))));
        assertThat(seccomp(generate(sc().setSeccompProfilePath("localhost/" + file)))).isEqualTo(s);

        String field = "config.linux.security_context.seccomp.localhost_ref";
        invalid(() -> generate(sc().setSeccomp(localhost("relative.json"))), field);
        invalid(() -> generate(sc().setSeccomp(localhost(dir.resolve("missing.json").toString()))), field);
        invalid(() -> generate(sc().setSeccomp(localhost(""))), field);
        Files.writeString(dir.resolve("bad.json"), "{\"syscalls\": []}");
        invalid(() -> generate(sc().setSeccomp(localhost(dir.resolve("bad.json").toString()))), field);
        invalid(() -> generate(sc().setSeccompProfilePath("localhost/nope")),
                "config.linux.security_context.seccomp_profile_path");
        invalid(() -> generate(sc().setSeccompProfilePath("bogus")), "config.linux.security_context.seccomp_profile_path");
    }

    @Test
    void privilegedIgnoresSeccompAndGetsHostDevices() {
        Map<String, Object> spec = generate(sc().setPrivileged(true)
                .setSeccomp(profile(SecurityProfile.ProfileType.RuntimeDefault)));
        Map<String, Object> linux = linux(spec);
        assertThat(linux).doesNotContainKeys("seccomp", "maskedPaths", "readonlyPaths");
        List<Map<String, Object>> devices = listOfMaps(linux.get("devices"));
        assertThat(devices).anySatisfy(d -> assertThat(d).containsEntry("path", "/dev/null").containsEntry("type", "c")
                .containsEntry("major", 1L).containsEntry("minor", 3L));
        assertThat(devices).noneSatisfy(d -> assertThat((String) d.get("path")).startsWith("/dev/pts/"));
        assertThat(listOfMaps(map(linux.get("resources")).get("devices")))
                .contains(Map.of("allow", true, "access", "rwm"));
    }

    // ---- capabilities -------------------------------------------------------------------------

    @Test
    void capabilityNamesAreChecked() {
        invalid(() -> generate(sc().setCapabilities(Capability.newBuilder().addAddCapabilities("NET_ADMIN")
                .addAddCapabilities("CAP_BOGUS"))), "capabilities.add_capabilities[1]", "CAP_BOGUS");
        invalid(() -> generate(sc().setCapabilities(Capability.newBuilder().addDropCapabilities("nope"))),
                "capabilities.drop_capabilities[0]", "nope");
        invalid(() -> generate(sc().setCapabilities(Capability.newBuilder().addAddAmbientCapabilities("ALL"))),
                "capabilities.add_ambient_capabilities[0]");
    }

    @Test
    void addAllDropSomeAndAmbient() {
        Map<String, Object> all = caps(generate(sc().setCapabilities(Capability.newBuilder().addAddCapabilities("all")
                .addDropCapabilities("CAP_SYS_ADMIN"))));
        assertThat(all.get("effective")).asList().contains("CAP_NET_ADMIN", "CAP_SYS_PTRACE").doesNotContain("CAP_SYS_ADMIN");

        Map<String, Object> amb = caps(generate(sc().setCapabilities(Capability.newBuilder().addDropCapabilities("ALL")
                .addAddAmbientCapabilities("net_raw"))));
        assertThat(amb.get("effective")).isEqualTo(List.of("CAP_NET_RAW"));
        assertThat(amb.get("ambient")).isEqualTo(List.of("CAP_NET_RAW"));
        assertThat(amb.get("inheritable")).isEqualTo(List.of("CAP_NET_RAW"));
    }

    // ---- users --------------------------------------------------------------------------------

    @Test
    void runAsGroupNeedsAUser() {
        invalid(() -> generate(sc().setRunAsGroup(Int64Value.newBuilder().setValue(5))),
                "config.linux.security_context.run_as_group");
        Map<String, Object> u = map(process(generate(sc().setRunAsUser(Int64Value.newBuilder().setValue(1000))
                .setRunAsGroup(Int64Value.newBuilder().setValue(5)))).get("user"));
        assertThat(u).containsEntry("uid", 1000).containsEntry("gid", 5);
    }

    @Test
    void supplementalGroupsPolicy() {
        LinuxContainerSecurityContext.Builder merge = sc().setRunAsUser(Int64Value.newBuilder().setValue(1000))
                .addSupplementalGroups(77);
        assertThat(map(process(generate(merge)).get("user")).get("additionalGids")).isEqualTo(List.of(1000L, 2000L, 77L));
        LinuxContainerSecurityContext.Builder strict = merge.clone()
                .setSupplementalGroupsPolicy(SupplementalGroupsPolicy.Strict);
        assertThat(map(process(generate(strict)).get("user")).get("additionalGids")).isEqualTo(List.of(1000L, 77L));
    }

    // ---- AppArmor, SELinux --------------------------------------------------------------------

    @Test
    void appArmorAndSelinuxAreRefusedUnlessUnconfined() {
        generate(sc().setApparmor(profile(SecurityProfile.ProfileType.Unconfined)));
        generate(sc().setApparmorProfile("unconfined"));
        generate(sc().setSelinuxOptions(SELinuxOption.newBuilder()));
        failedPrecondition(() -> generate(sc().setApparmor(profile(SecurityProfile.ProfileType.RuntimeDefault))),
                "AppArmor");
        failedPrecondition(() -> generate(sc().setApparmor(SecurityProfile.newBuilder()
                .setProfileType(SecurityProfile.ProfileType.Localhost).setLocalhostRef("k8s-x"))), "localhost/k8s-x");
        failedPrecondition(() -> generate(sc().setApparmorProfile("runtime/default")), "AppArmor");
        failedPrecondition(() -> generate(sc().setSelinuxOptions(SELinuxOption.newBuilder().setType("spc_t"))), "SELinux");
        if (!HostFacts.probe().apparmor()) {
            failedPrecondition(() -> generate(sc().setApparmorProfile("localhost/x")), "this host has no AppArmor");
        }
    }

    // ---- sysctls ------------------------------------------------------------------------------

    @Test
    void sysctlsNeedTheirNamespace() {
        Path netns = Path.of("/run/netns/n1");
        Path ipcns = Path.of("/run/ipcns/i1");
        Map<String, String> ok = Map.of("net.ipv4.ip_forward", "1", "kernel.shmmax", "100", "kernel.msgmax", "9",
                "kernel.sem", "1 2 3 4", "fs.mqueue.msg_max", "10", "net/ipv4/ping_group_range", "0 0");
        assertThat(linux(generate(sc(), pod(netns, ipcns, ok))).get("sysctl")).isEqualTo(ok);

        invalid(() -> generate(sc(), pod(null, ipcns, Map.of("net.ipv4.ip_forward", "1"))),
                "sysctls[net.ipv4.ip_forward]", "host's network");
        invalid(() -> generate(sc(), pod(netns, null, Map.of("kernel.shmall", "1"))), "sysctls[kernel.shmall]", "IPC");
        invalid(() -> generate(sc(), pod(netns, ipcns, Map.of("kernel.panic", "1"))), "sysctls[kernel.panic]",
                "not namespaced");
        invalid(() -> generate(sc(), pod(netns, ipcns, Map.of("vm.swappiness", "1"))), "vm.swappiness");
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static LinuxContainerSecurityContext.Builder sc() {
        return LinuxContainerSecurityContext.newBuilder();
    }

    private static SecurityProfile profile(SecurityProfile.ProfileType t) {
        return SecurityProfile.newBuilder().setProfileType(t).build();
    }

    private static SecurityProfile localhost(String ref) {
        return SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Localhost).setLocalhostRef(ref).build();
    }

    private static PodContext pod(Path netns, Path ipcns, Map<String, String> sysctls) {
        return new PodContext("p1", "web", "ns1", "u1", "podhost", netns, ipcns, null, null, false, null, null, null,
                null, "", sysctls);
    }

    private Map<String, Object> generate(LinuxContainerSecurityContext.Builder sc) {
        return generate(sc, pod(null, null, Map.of()));
    }

    private Map<String, Object> generate(LinuxContainerSecurityContext.Builder sc, PodContext pod) {
        ContainerConfig c = ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("ctr"))
                .addCommand("sh").setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(sc)).build();
        return new SpecGenerator(TestHosts.withEveryCapability().withMinOomScoreAdj(0))
                .generate(new SpecInput("cid", c, pod, null, "busybox", rootfs, CgroupDriver.CGROUPFS)).toJson();
    }

    private static void invalid(ThrowingCallable call, String... parts) {
        assertThatThrownBy(call).isInstanceOfSatisfying(HakoException.class,
                e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INVALID_ARGUMENT)).hasMessageContainingAll(parts);
    }

    private static void failedPrecondition(ThrowingCallable call, String... parts) {
        assertThatThrownBy(call).isInstanceOfSatisfying(HakoException.class,
                e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.FAILED_PRECONDITION)).hasMessageContainingAll(parts);
    }

    private static Map<String, Object> process(Map<String, Object> spec) {
        return map(spec.get("process"));
    }

    private static Map<String, Object> linux(Map<String, Object> spec) {
        return map(spec.get("linux"));
    }

    private static Map<String, Object> caps(Map<String, Object> spec) {
        return map(process(spec).get("capabilities"));
    }

    private static Map<String, Object> seccomp(Map<String, Object> spec) {
        assertThat(linux(spec)).containsKey("seccomp");
        return map(linux(spec).get("seccomp"));
    }

    private static List<String> names(Map<String, Object> seccomp) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> r : listOfMaps(seccomp.get("syscalls"))) {
            if ("SCMP_ACT_ALLOW".equals(r.get("action"))) {
                for (Object n : (List<?>) r.get("names")) {
                    out.add((String) n);
                }
            }
        }
        return out;
    }

    private static Map<String, Object> rule(Map<String, Object> seccomp, String name) {
        return listOfMaps(seccomp.get("syscalls")).stream().filter(r -> ((List<?>) r.get("names")).contains(name))
                .findFirst().orElseThrow();
    }
}
