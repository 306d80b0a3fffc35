package dev.hako.container;

import static dev.hako.testing.PodFixture.container;
import static dev.hako.testing.PodFixture.create;
import static dev.hako.testing.PodFixture.runPod;
import static dev.hako.testing.PodFixture.start;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.Capability;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ExecSyncResponse;
import dev.hako.cri.v1.Int64Value;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.LinuxPodSandboxConfig;
import dev.hako.cri.v1.LinuxSandboxSecurityContext;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.NamespaceMode;
import dev.hako.cri.v1.NamespaceOption;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.SecurityProfile;
import dev.hako.spec.SpecGenerator;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The container security context through the real daemon and runc, observed from inside with ExecSync. */
class SecurityContextIT {
    static DaemonProcess d;
    static String pod;

    @BeforeAll
    static void setUp() throws Exception {
        d = PodFixture.daemonWithImages();
        pod = runPod(d, "sec");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (d != null) {
            for (var p : d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            }
            d.close();
        }
    }

    private static String run(String name, LinuxContainerSecurityContext.Builder sc) {
        ContainerConfig.Builder c = container(name, "sleep 1000")
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(sc));
        return start(d, pod, c);
    }

    private static ExecSyncResponse sh(String id, String script) {
        return d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id)
                .addAllCmd(List.of("/bin/sh", "-c", script)).setTimeout(10).build());
    }

    private static String out(String id, String script) {
        ExecSyncResponse r = sh(id, script);
        assertThat(r.getExitCode()).as("exit code of %s; stderr %s", script, r.getStderr().toStringUtf8()).isZero();
        return r.getStdout().toStringUtf8().strip();
    }

    private static String status(String id, String field) {
        return out(id, "grep '^" + field + ":' /proc/self/status").substring(field.length() + 1).strip();
    }

    /** The first capability numbers of linux/capability.h, by name. */
    private static final List<String> CAP_NUMBERS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE");

    private static long mask(List<String> caps) {
        long m = 0;
        for (String c : caps) {
            assertThat(CAP_NUMBERS).contains(c);
            m |= 1L << CAP_NUMBERS.indexOf(c);
        }
        return m;
    }

    private static LinuxContainerSecurityContext.Builder sc() {
        return LinuxContainerSecurityContext.newBuilder();
    }

    private static SecurityProfile seccomp(SecurityProfile.ProfileType t) {
        return SecurityProfile.newBuilder().setProfileType(t).build();
    }

    @Test
    void usersAndGroups() {
        String id = run("users", sc().setRunAsUser(Int64Value.newBuilder().setValue(1000))
                .setRunAsGroup(Int64Value.newBuilder().setValue(3000)).addSupplementalGroups(4000).addSupplementalGroups(5000));
        assertThat(out(id, "id")).isEqualTo("uid=1000(app) gid=3000 groups=3000,4000,5000");

        String byName = run("byname", sc().setRunAsUsername("app"));
        assertThat(out(byName, "id")).isEqualTo("uid=1000(app) gid=1000(app) groups=1000(app)");

        assertThatThrownBy(() -> create(d, pod, container("grouponly", "true").setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(sc().setRunAsGroup(Int64Value.newBuilder().setValue(5))))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("run_as_group");
                });
    }

    @Test
    void capabilities() throws Exception {
        String def = run("capdefault", sc());
        assertThat(Long.parseLong(status(def, "CapEff"), 16)).isEqualTo(mask(SpecGenerator.DEFAULT_CAPABILITIES));
        assertThat(status(def, "Seccomp")).isEqualTo("0"); // unset: unconfined, as with containerd
        assertThat(status(def, "NoNewPrivs")).isEqualTo("0");

        String none = run("capnone", sc().setCapabilities(Capability.newBuilder().addDropCapabilities("ALL")));
        assertThat(status(none, "CapEff")).isEqualTo("0000000000000000");
        assertThat(status(none, "CapBnd")).isEqualTo("0000000000000000");

        String some = run("capsome", sc().setCapabilities(Capability.newBuilder().addDropCapabilities("ALL")
                .addAddCapabilities("CHOWN").addAddCapabilities("CAP_KILL")));
        assertThat(status(some, "CapEff")).isEqualTo("0000000000000021");

        // a non-root user keeps only its ambient capabilities
        String user = run("capuser", sc().setRunAsUser(Int64Value.newBuilder().setValue(1000)));
        assertThat(status(user, "CapEff")).isEqualTo("0000000000000000");
        String ambient = run("capambient", sc().setRunAsUser(Int64Value.newBuilder().setValue(1000))
                .setCapabilities(Capability.newBuilder().addDropCapabilities("ALL").addAddAmbientCapabilities("NET_RAW")));
        assertThat(status(ambient, "CapEff")).isEqualTo("0000000000002000");
        assertThat(status(ambient, "CapAmb")).isEqualTo("0000000000002000");

        // the host's own character devices, whichever this machine has (not every machine has kvm or
        // loop-control), as long as they exist before and after the container is made
        List<String> hostDevices = hostCharDevices();
        String priv = run("privileged", sc().setPrivileged(true)
                .setSeccomp(seccomp(SecurityProfile.ProfileType.RuntimeDefault)));
        String own = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("CapEff:"))
                .findFirst().orElseThrow().substring(7).strip();
        assertThat(status(priv, "CapEff")).isEqualTo(own);
        assertThat(status(priv, "Seccomp")).isEqualTo("0"); // privileged ignores the profile
        hostDevices.retainAll(hostCharDevices());
        assertThat(hostDevices).contains("null", "zero");
        assertThat(out(priv, "ls /dev").split("\\s+")).contains(hostDevices.toArray(String[]::new));
        assertThat(out(priv, "cat /proc/timer_list")).isNotEmpty(); // no masked paths
        assertThat(out(priv, "grep ' /sys ' /proc/self/mountinfo")).contains(" rw,");

        assertThatThrownBy(() -> create(d, pod, container("capbad", "true").setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(sc().setCapabilities(Capability.newBuilder().addAddCapabilities("CAP_FLY"))))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("add_capabilities[0]").contains("CAP_FLY");
                });
    }

    @Test
    void noNewPrivsReadonlyRootfsAndMaskedPaths() {
        String id = run("locked", sc().setNoNewPrivs(true).setReadonlyRootfs(true));
        assertThat(status(id, "NoNewPrivs")).isEqualTo("1");
        ExecSyncResponse w = sh(id, "touch /newfile");
        assertThat(w.getExitCode()).isNotZero();
        assertThat(w.getStderr().toStringUtf8()).contains("Read-only file system");
        // default masked paths (this host has no /proc/kcore; /proc/timer_list and /proc/keys exist)
        assertThat(out(id, "cat /proc/timer_list /proc/keys")).isEmpty();
        assertThat(out(id, "grep -c ' /proc/timer_list ' /proc/self/mountinfo")).isEqualTo("1");
        ExecSyncResponse sys = sh(id, "echo 1 > /proc/sys/kernel/hostname");
        assertThat(sys.getExitCode()).isNotZero();
        assertThat(sys.getStderr().toStringUtf8()).contains("Read-only file system");

        // the kubelet's lists replace the defaults
        String given = run("givenpaths", sc().addMaskedPaths("/proc/keys").addReadonlyPaths("/tmp"));
        assertThat(out(given, "cat /proc/keys")).isEmpty();
        assertThat(out(given, "cat /proc/timer_list")).isNotEmpty();
        assertThat(sh(given, "touch /tmp/x").getStderr().toStringUtf8()).contains("Read-only file system");
    }

    @Test
    void sethostnameUnderSeccomp() throws Exception {
        String def = run("rtdefault", sc().setSeccomp(seccomp(SecurityProfile.ProfileType.RuntimeDefault)));
        assertThat(status(def, "Seccomp")).isEqualTo("2");
        ExecSyncResponse blocked = sh(def, "/bin/busybox hostname x");
        assertThat(blocked.getExitCode()).isNotZero();
        assertThat(blocked.getStderr().toStringUtf8()).contains("Operation not permitted");

        // with CAP_SYS_ADMIN the default profile allows sethostname (in the pod's own UTS namespace)
        String admin = run("rtadmin", sc().setSeccompProfilePath("runtime/default")
                .setCapabilities(Capability.newBuilder().addAddCapabilities("SYS_ADMIN")));
        assertThat(status(admin, "Seccomp")).isEqualTo("2");
        assertThat(out(admin, "/bin/busybox hostname adminset && /bin/busybox hostname")).isEqualTo("adminset");

        String unconfined = run("unconfined", sc().setSeccomp(seccomp(SecurityProfile.ProfileType.Unconfined))
                .setCapabilities(Capability.newBuilder().addAddCapabilities("CAP_SYS_ADMIN")));
        assertThat(status(unconfined, "Seccomp")).isEqualTo("0");
        assertThat(out(unconfined, "/bin/busybox hostname x && /bin/busybox hostname")).isEqualTo("x");
        assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip()).isNotEqualTo("x");

        // a Localhost profile that allows everything but sethostname: blocked even with CAP_SYS_ADMIN
        Path profile = d.dir().resolve("no-sethostname.json");
        Files.writeString(profile, """
                {"defaultAction": "SCMP_ACT_ALLOW",
                 "syscalls": [{"names": ["sethostname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}
                """);
        String local = run("localhost", sc().setSeccomp(SecurityProfile.newBuilder()
                .setProfileType(SecurityProfile.ProfileType.Localhost).setLocalhostRef(profile.toString()))
                .setCapabilities(Capability.newBuilder().addAddCapabilities("SYS_ADMIN")));
        assertThat(status(local, "Seccomp")).isEqualTo("2");
        ExecSyncResponse denied = sh(local, "/bin/busybox hostname y");
        assertThat(denied.getExitCode()).isNotZero();
        assertThat(denied.getStderr().toStringUtf8()).contains("Operation not permitted");

        assertThatThrownBy(() -> create(d, pod, container("badref", "true").setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(sc().setSeccomp(SecurityProfile.newBuilder()
                        .setProfileType(SecurityProfile.ProfileType.Localhost).setLocalhostRef("/no/such/profile.json"))))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("seccomp.localhost_ref");
                });
    }

    @Test
    void podSysctls() {
        PodSandboxConfig own = PodFixture.podConfig(d, "sysctl-own").toBuilder()
                .setLinux(LinuxPodSandboxConfig.newBuilder().putSysctls("kernel.shmmni", "1234")
                        .putSysctls("net.ipv4.ip_unprivileged_port_start", "80"))
                .build();
        String ownPod = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(own).build()).getPodSandboxId();
        String id = start(d, ownPod, container("sysctls", "sleep 1000"));
        assertThat(out(id, "cat /proc/sys/kernel/shmmni /proc/sys/net/ipv4/ip_unprivileged_port_start"))
                .isEqualTo("1234\n80");

        PodSandboxConfig hostNet = PodFixture.podConfig(d, "sysctl-hostnet").toBuilder()
                .setLinux(LinuxPodSandboxConfig.newBuilder().putSysctls("net.ipv4.ip_forward", "1")
                        .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE))))
                .build();
        // refused at RunPodSandbox, before any namespace or file is made
        assertThatThrownBy(() -> d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(hostNet).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("net.ipv4.ip_forward").contains("host's network");
                });
    }

    @Test
    void appArmorOnAHostWithout() {
        assertThatThrownBy(() -> create(d, pod, container("aa", "true").setLinux(LinuxContainerConfig.newBuilder()
                .setSecurityContext(sc().setApparmor(seccomp(SecurityProfile.ProfileType.RuntimeDefault))))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription()).contains("AppArmor");
                });
    }

    private static List<String> hostCharDevices() throws java.io.IOException {
        try (var files = Files.list(Path.of("/dev"))) {
            return new java.util.ArrayList<>(files.filter(SecurityContextIT::isCharDevice)
                    .map(f -> f.getFileName().toString())
                    .filter(n -> !n.equals("console") && !n.equals("ptmx") && !n.startsWith("tty"))
                    .toList());
        }
    }

    private static boolean isCharDevice(Path f) {
        try {
            return ((Integer) Files.getAttribute(f, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS) & 0170000) == 0020000;
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
