package dev.hako.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.ConfigLoader;
import dev.hako.config.HakoConfig;
import dev.hako.cri.v1.DNSConfig;
import dev.hako.cri.v1.LinuxPodSandboxConfig;
import dev.hako.cri.v1.LinuxSandboxSecurityContext;
import dev.hako.cri.v1.NamespaceMode;
import dev.hako.cri.v1.NamespaceOption;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.error.HakoException;
import dev.hako.error.HakoException.Kind;
import dev.hako.spec.PodContext;
import dev.hako.monitor.Conmon;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.oci.RuntimeHandlers;
import dev.hako.store.MetadataStore;
import dev.hako.testing.HostState;
import dev.hako.testing.TempDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pod sandboxes on the real kernel: pinned namespaces, shm, files, and everything released again. */
class PodServiceIT {
    private Path tmp;
    private HakoConfig config;
    private MetadataStore store;
    private PodService pods;
    private final List<String> hookCalls = Collections.synchronizedList(new ArrayList<>());
    private PodContainers containers;
    private int mountsBefore;

    @BeforeEach
    void setUp() throws Exception {
        tmp = TempDirs.create("hako-pod-");
        mountsBefore = ours().size();
        config = ConfigLoader.fromToml("""
                root = "%s/root"
                state = "%s/state"
                socket = "%s/hako.sock"
                [runtime.handlers.runc]
                path = "/usr/sbin/runc"
                [runtime.handlers.other]
                path = "/usr/sbin/runc"
                """.formatted(tmp, tmp, tmp), null);
        store = MetadataStore.open(config.databaseFile());
        pods = newService();
        containers = new PodContainers() {
            @Override
            public void stopContainers(String podId) {
                hookCalls.add("stop " + podId);
            }

            @Override
            public void removeContainers(String podId) {
                hookCalls.add("remove " + podId);
            }
        };
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (Pod p : pods.list()) {
                pods.remove(p.id(), containers);
            }
        } finally {
            store.close();
            // never leave a mount behind in /tmp, whatever the test did
            for (String line : mountinfo().reversed()) {
                String mp = line.split(" ")[4].replace("\\040", " ");
                if (mp.startsWith(tmp.toString())) {
                    sh("umount", "-l", mp);
                }
            }
            TempDirs.delete(tmp);
        }
        assertThat(ours()).hasSize(mountsBefore);
    }

    /** The runtimes of {@code c}'s handlers around one conmon, as the daemon builds them. */
    private static ContainerRuntimes runtimes(HakoConfig c) {
        return new ContainerRuntimes(c.runtime(), new Conmon(c.runtime().conmon(), c.state()));
    }

    private PodService newService() {
        return new PodService(config, store, new RuntimeHandlers(config.runtime()), runtimes(config));
    }

    // ------------------------------------------------------------------------------------------------ run

    @Test
    void runPinsOwnNamespacesWithLoopbackUpAndTheHostname() throws Exception {
        Pod pod = pods.run(podConfig("web", "default", "uid-1", 0).setHostname("web-host").build(), "");

        assertThat(pod.id()).matches("[0-9a-f]{64}");
        assertThat(pod.state()).isEqualTo(Pod.State.READY);
        assertThat(pod.runtimeHandler()).isEqualTo("runc");
        assertThat(pod.name()).isEqualTo("web");
        assertThat(pod.namespace()).isEqualTo("default");
        assertThat(pod.uid()).isEqualTo("uid-1");
        assertThat(pod.attempt()).isZero();
        assertThat(pod.dir()).isEqualTo(pods.podsRoot().resolve(pod.id()));

        PodContext c = pod.context();
        assertThat(c.podId()).isEqualTo(pod.id());
        assertThat(c.hostname()).isEqualTo("web-host");
        assertThat(c.netns()).isEqualTo(pod.dir().resolve("ns/net"));
        assertThat(c.ipcns()).isEqualTo(pod.dir().resolve("ns/ipc"));
        assertThat(c.utsns()).isEqualTo(pod.dir().resolve("ns/uts"));
        // the proto's default PID mode is POD: shared, anchored by an infra container (catatonit as /pause)
        assertThat(pod.hasInfra()).isTrue();
        assertThat(c.pidns()).isEqualTo(Path.of("/proc/" + pod.infraPid() + "/ns/pid"));
        // runc start returns before the init's execve is done; on a busy machine the pid may still be mid-exec
        // (an empty cmdline) or "runc init" for a moment
        Path cmdline = Path.of("/proc/" + pod.infraPid() + "/cmdline");
        String seen = Files.readString(cmdline);
        for (long deadline = System.nanoTime() + 10_000_000_000L;
             !seen.startsWith("/pause") && System.nanoTime() < deadline; seen = Files.readString(cmdline)) {
            Thread.sleep(20);
        }
        assertThat(seen).startsWith("/pause\0-P");
        assertThat(c.hostPid()).isFalse();
        assertThat(c.shm()).isEqualTo(pod.dir().resolve("shm"));

        for (String kind : List.of("net", "ipc", "uts")) {
            Path pin = pod.dir().resolve("ns/" + kind);
            String host = Files.readSymbolicLink(Path.of("/proc/self/ns/" + kind)).toString();
            String inside = sh("nsenter", "--" + kind + "=" + pin, "readlink", "/proc/self/ns/" + kind);
            assertThat(inside).startsWith(kind + ":[").isNotEqualTo(host);
            assertThat(mountAt(pin)).contains(" - nsfs ");
        }
        assertThat(sh("nsenter", "--net=" + c.netns(), "ip", "-o", "link", "show", "lo")).contains("UP");
        assertThat(sh("nsenter", "--uts=" + c.utsns(), "hostname")).isEqualTo("web-host");
        assertThat(sh("hostname")).isNotEqualTo("web-host");

        String shm = mountAt(c.shm());
        assertThat(shm).contains(" - tmpfs ").contains("size=65536k")
                .contains("nosuid").contains("nodev").contains("noexec");
        // tmpfs does not list its default mode=1777 in mountinfo: look at the root of the mount
        assertThat((int) Files.getAttribute(c.shm(), "unix:mode") & 07777).isEqualTo(01777);
        // the pins sit in a private mount of their own, so they cannot propagate anywhere
        String nsDir = mountAt(pod.dir().resolve("ns"));
        assertThat(nsDir.split(" - ")[0]).doesNotContain("shared:");

        assertThat(Files.readString(c.hostnameFile())).isEqualTo("web-host\n");
        assertThat(Files.readString(c.hostsFile())).isEqualTo(
                "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tweb-host\n");
        assertThat(c.resolvConf()).hasSameBinaryContentAs(Path.of("/etc/resolv.conf"));

        assertThat(pods.list()).extracting(Pod::id).containsExactly(pod.id());
        assertThat(pods.get(pod.id()).context()).isEqualTo(c);
        assertThat(pods.get(pod.id().substring(0, 6)).id()).isEqualTo(pod.id());
    }

    @Test
    void dnsConfigBecomesResolvConfAndLinuxSettingsReachTheContext() throws Exception {
        PodSandboxConfig cfg = podConfig("dns", "kube-system", "uid-d", 2)
                .setDnsConfig(DNSConfig.newBuilder().addServers("10.96.0.10").addServers("fd00::a")
                        .addSearches("kube-system.svc.cluster.local").addSearches("svc.cluster.local")
                        .addOptions("ndots:5").addOptions("edns0"))
                .setLinux(LinuxPodSandboxConfig.newBuilder().setCgroupParent("/kubepods/besteffort/poduid-d")
                        .putSysctls("net.ipv4.ip_unprivileged_port_start", "0"))
                .build();
        Pod pod = pods.run(cfg, "other");

        assertThat(pod.runtimeHandler()).isEqualTo("other");
        assertThat(pod.attempt()).isEqualTo(2);
        assertThat(Files.readString(pod.context().resolvConf())).isEqualTo("""
                nameserver 10.96.0.10
                nameserver fd00::a
                search kube-system.svc.cluster.local svc.cluster.local
                options ndots:5 edns0
                """);
        // no hostname in the config: the pod name
        assertThat(pod.context().hostname()).isEqualTo("dns");
        assertThat(pod.context().cgroupParent()).isEqualTo("/kubepods/besteffort/poduid-d");
        assertThat(pod.context().sysctls()).isEqualTo(Map.of("net.ipv4.ip_unprivileged_port_start", "0"));
        assertThat(pod.config()).isEqualTo(cfg);
    }

    @Test
    void hostNetworkUsesTheHostsNetworkAndUtsNamespacesAndHostsFile() throws Exception {
        Pod pod = pods.run(podConfig("hostnet", "default", "uid-h", 0).setHostname("node-1")
                .setLinux(namespaces(NamespaceMode.NODE, NamespaceMode.CONTAINER, NamespaceMode.POD)).build(), "");

        PodContext c = pod.context();
        assertThat(c.netns()).isNull();
        assertThat(c.utsns()).isNull();
        assertThat(c.ipcns()).isEqualTo(pod.dir().resolve("ns/ipc"));
        assertThat(c.shm()).isNotNull();
        assertThat(pod.dir().resolve("ns/net")).doesNotExist();
        assertThat(c.hostsFile()).hasSameBinaryContentAs(Path.of("/etc/hosts"));
        assertThat(Files.readString(c.hostnameFile())).isEqualTo("node-1\n");
        assertThat(pods.get(pod.id()).context()).isEqualTo(c);
        String hostIpc = Files.readSymbolicLink(Path.of("/proc/self/ns/ipc")).toString();
        assertThat(sh("nsenter", "--ipc=" + c.ipcns(), "readlink", "/proc/self/ns/ipc")).isNotEqualTo(hostIpc);
    }

    @Test
    void hostIpcAndHostPidMakeNoIpcNamespaceAndNoShm() throws Exception {
        Pod pod = pods.run(podConfig("hostipc", "default", "uid-i", 0)
                .setLinux(namespaces(NamespaceMode.POD, NamespaceMode.NODE, NamespaceMode.NODE)).build(), "");

        PodContext c = pod.context();
        assertThat(c.ipcns()).isNull();
        assertThat(c.shm()).isNull();
        assertThat(c.hostPid()).isTrue();
        assertThat(c.netns()).isNotNull();
        assertThat(c.utsns()).isNotNull();
        assertThat(pod.dir().resolve("shm")).doesNotExist();
        assertThat(pod.pidMode()).isEqualTo(NamespaceMode.NODE);
    }

    @Test
    void allHostNamespacesMountNothingAtAll() throws Exception {
        int before = ours().size();
        Pod pod = pods.run(podConfig("allhost", "default", "uid-a", 0)
                .setLinux(namespaces(NamespaceMode.NODE, NamespaceMode.POD, NamespaceMode.NODE)).build(), "");

        assertThat(ours()).hasSize(before);
        assertThat(pod.dir().resolve("ns")).doesNotExist();
        assertThat(pod.pidMode()).isEqualTo(NamespaceMode.POD);
        assertThat(pod.context().pidns()).isEqualTo(Path.of("/proc/" + pod.infraPid() + "/ns/pid"));
        assertThat(pod.context().hostPid()).isFalse();
    }

    @Test
    void aStateDirectoryWithSpacesInItsPathWorksAndIsReleased() throws Exception {
        HakoConfig spaced = ConfigLoader.fromToml("""
                root = "%s/root"
                state = "%s/state with space"
                socket = "%s/hako.sock"
                """.formatted(tmp, tmp, tmp), null);
        PodService other = new PodService(spaced, store, new RuntimeHandlers(spaced.runtime()), runtimes(spaced));
        int before = ours().size();
        Pod pod = other.run(podConfig("spaced", "default", "uid-sp", 0).build(), "");
        assertThat(pod.dir().toString()).contains("state with space");
        assertThat(ours()).hasSize(before + 5);
        assertThat(sh("nsenter", "--uts=" + pod.context().utsns(), "hostname")).isEqualTo("spaced");

        other.stop(pod.id(), PodContainers.NONE);
        assertThat(ours()).hasSize(before);
        other.remove(pod.id(), PodContainers.NONE);
        assertThat(pod.dir()).doesNotExist();
    }

    @Test
    void onASharedStateMountThePinsStayPrivateAndAreReleased() throws Exception {
        // most hosts mount / (and so /run) shared; here nothing is, so make the state directory so
        Path state = Files.createDirectories(tmp.resolve("shared-state"));
        sh("mount", "--bind", state.toString(), state.toString());
        sh("mount", "--make-shared", state.toString());
        HakoConfig shared = ConfigLoader.fromToml("""
                root = "%s/root"
                state = "%s"
                socket = "%s/hako.sock"
                """.formatted(tmp, state, tmp), null);
        PodService other = new PodService(shared, store, new RuntimeHandlers(shared.runtime()), runtimes(shared));
        int before = ours().size();
        Pod pod = other.run(podConfig("shared", "default", "uid-sh", 0).build(), "");

        assertThat(mountAt(state)).contains(" shared:");
        for (String p : List.of("ns", "ns/net", "ns/ipc", "ns/uts")) {
            assertThat(mountAt(pod.dir().resolve(p)).split(" - ")[0]).as(p).doesNotContain("shared:");
        }
        other.remove(pod.id(), PodContainers.NONE);
        assertThat(ours()).hasSize(before);
        assertThat(pod.dir()).doesNotExist();
        sh("umount", state.toString());
    }

    // --------------------------------------------------------------------------------------- ALREADY_EXISTS

    @Test
    void sameIdentityWhileTheFirstExistsIsAlreadyExists() {
        Pod first = pods.run(podConfig("dup", "default", "uid-x", 0).build(), "");

        assertThatThrownBy(() -> pods.run(podConfig("dup", "default", "uid-x", 0).build(), ""))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.ALREADY_EXISTS))
                .hasMessageContaining(first.id())
                .hasMessageContaining("default/dup");
        // the next attempt is a new sandbox
        Pod second = pods.run(podConfig("dup", "default", "uid-x", 1).build(), "");
        assertThat(second.id()).isNotEqualTo(first.id());
        // once the first is removed its identity is free again
        pods.remove(first.id(), containers);
        assertThat(pods.run(podConfig("dup", "default", "uid-x", 0).build(), "").id()).isNotEqualTo(first.id());
    }

    @Test
    void concurrentRunsOfOnePodCreateItOnce() throws Exception {
        int n = 8;
        List<Future<Pod>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            for (int i = 0; i < n; i++) {
                results.add(pool.submit((Callable<Pod>) () -> pods.run(podConfig("race", "default", "uid-r", 0).build(), "")));
            }
        }
        int created = 0;
        for (Future<Pod> f : results) {
            try {
                f.get();
                created++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOfSatisfying(HakoException.class,
                        h -> assertThat(h.kind()).isEqualTo(Kind.ALREADY_EXISTS));
            }
        }
        assertThat(created).isEqualTo(1);
        assertThat(pods.list()).hasSize(1);
        assertThat(podDirs()).hasSize(1);
    }

    // -------------------------------------------------------------------------------------------- stop, remove

    @Test
    void stopReleasesEverythingAndIsIdempotent() throws Exception {
        int before = ours().size();
        Pod pod = pods.run(podConfig("stopme", "default", "uid-s", 0).build(), "");
        assertThat(ours()).hasSize(before + 5); // ns dir, 3 pins, shm

        pods.stop(pod.id(), containers);
        assertThat(ours()).hasSize(before);
        Pod stopped = pods.get(pod.id());
        assertThat(stopped.state()).isEqualTo(Pod.State.NOTREADY);
        assertThat(stopped.context()).isEqualTo(pod.context());
        assertThat(hookCalls).containsExactly("stop " + pod.id());

        pods.stop(pod.id(), containers);
        assertThat(pods.get(pod.id()).state()).isEqualTo(Pod.State.NOTREADY);
        assertThat(hookCalls).containsExactly("stop " + pod.id(), "stop " + pod.id());
        assertThat(ours()).hasSize(before);
        // the files stay until the pod is removed
        assertThat(pod.context().hostsFile()).exists();

        assertThatThrownBy(() -> pods.stop("f".repeat(64), containers))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
                .hasMessageContaining("f".repeat(64), containers);
    }

    @Test
    void removeOfARunningPodStopsItRemovesContainersAndDeletesEverything() throws Exception {
        List<String> before = podDirs();
        Pod pod = pods.run(podConfig("rm", "default", "uid-rm", 0).build(), "");

        pods.remove(pod.id(), containers);

        assertThat(hookCalls).containsExactly("stop " + pod.id(), "remove " + pod.id());
        assertThat(pod.dir()).doesNotExist();
        assertThat(podDirs()).isEqualTo(before);
        assertThat(pods.list()).isEmpty();
        assertThat(ours()).hasSize(mountsBefore);
        assertThatThrownBy(() -> pods.get(pod.id()))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
    }

    @Test
    void removeIsIdempotentAndUnknownIdsAreNotAnError() {
        Pod pod = pods.run(podConfig("rm2", "default", "uid-rm2", 0).build(), "");
        pods.stop(pod.id(), containers);
        pods.remove(pod.id(), containers);
        pods.remove(pod.id(), containers);
        pods.remove("0123456789abcdef".repeat(4), containers);
        assertThat(pods.list()).isEmpty();
        assertThat(hookCalls).containsExactly("stop " + pod.id(), "stop " + pod.id(), "remove " + pod.id());
    }

    @Test
    void hundredRunRemoveCyclesLeaveNoMountOrDirectoryBehind() throws Exception {
        int before = ours().size();
        List<String> dirs = podDirs();
        for (int i = 0; i < 100; i++) {
            Pod pod = pods.run(podConfig("cycle", "default", "uid-c", i).build(), "");
            pods.remove(pod.id(), containers);
        }
        assertThat(ours()).hasSize(before);
        assertThat(podDirs()).isEqualTo(dirs);
        assertThat(pods.list()).isEmpty();
    }

    // -------------------------------------------------------------------------------------------- failures

    @Test
    void aFailureHalfWayReleasesWhatWasMade() throws Exception {
        int before = ours().size();
        for (String failing : List.of("files", "nsdir", "namespaces", "loopback", "shm", "record")) {
            pods.onStep(step -> {
                if (step.equals(failing)) {
                    throw new IllegalStateException("injected failure at " + step);
                }
            });
            assertThatThrownBy(() -> pods.run(podConfig("fail", "default", "uid-f", 0).build(), ""))
                    .as(failing)
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INTERNAL))
                    .hasMessageContaining("default/fail")
                    .hasMessageContaining("injected failure at " + failing);
            assertThat(ours()).as(failing).hasSize(before);
            assertThat(podDirs()).as(failing).isEmpty();
            assertThat(pods.list()).as(failing).isEmpty();
        }
        pods.onStep(step -> {});
        // the name was not kept reserved by the failures
        assertThat(pods.run(podConfig("fail", "default", "uid-f", 0).build(), "").state()).isEqualTo(Pod.State.READY);
    }

    @Test
    void badRequestsNameTheFieldAndLeaveNothing() throws Exception {
        assertInvalid(podConfig("", "default", "u", 0).build(), "", "config.metadata.name");
        assertInvalid(podConfig("n", "", "u", 0).build(), "", "config.metadata.namespace");
        assertInvalid(podConfig("n", "default", "", 0).build(), "", "config.metadata.uid");
        assertInvalid(PodSandboxConfig.getDefaultInstance(), "", "config.metadata.name");
        assertInvalid(podConfig("n", "default", "u", 0).build(), "kata", "kata");
        assertInvalid(podConfig("n", "default", "u", 0).setHostname("-rf").build(), "", "config.hostname");
        assertInvalid(podConfig("n", "default", "u", 0).setHostname("a".repeat(65)).build(), "", "config.hostname");
        assertInvalid(podConfig("n", "default", "u", 0).setHostname("a\nb").build(), "", "config.hostname");
        assertInvalid(podConfig("n", "default", "u", 0)
                .setLinux(namespaces(NamespaceMode.POD, NamespaceMode.TARGET, NamespaceMode.POD)).build(), "",
                "config.linux.security_context.namespace_options.pid");
        assertInvalid(podConfig("n", "default", "u", 0)
                .setLinux(namespaces(NamespaceMode.CONTAINER, NamespaceMode.POD, NamespaceMode.POD)).build(), "",
                "config.linux.security_context.namespace_options.network");
        assertInvalid(podConfig("n", "default", "u", 0)
                .setDnsConfig(DNSConfig.newBuilder().addServers("1.1.1.1").addSearches("a b")).build(), "",
                "config.dns_config.searches[0]");
        assertThatThrownBy(() -> pods.get(""))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_ARGUMENT));
        assertThat(podDirs()).isEmpty();
        assertThat(pods.list()).isEmpty();
    }

    @Test
    void anAmbiguousPrefixIsInvalidAndAnUnknownOneNotFound() {
        // 17 pods (cheap ones: no namespaces) share a first hex digit somewhere
        List<Pod> made = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            made.add(pods.run(podConfig("p" + i, "default", "uid-p", 0)
                    .setLinux(namespaces(NamespaceMode.NODE, NamespaceMode.CONTAINER, NamespaceMode.NODE)).build(), ""));
        }
        String shared = null;
        for (Pod a : made) {
            for (Pod b : made) {
                if (a != b && a.id().charAt(0) == b.id().charAt(0)) {
                    shared = a.id().substring(0, 1);
                }
            }
        }
        String prefix = shared;
        assertThatThrownBy(() -> pods.get(prefix))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_ARGUMENT))
                .hasMessageContaining("ambiguous");
        assertThatThrownBy(() -> pods.get("not-hex"))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
        assertThat(pods.list()).extracting(Pod::id).containsExactlyInAnyOrderElementsOf(made.stream().map(Pod::id).toList());
    }

    // -------------------------------------------------------------------------------------------- recover

    @Test
    void recoverMarksPodsWithLostPinsNotReadyAndDeletesLeftoverDirectories() throws Exception {
        Pod lost = pods.run(podConfig("lost", "default", "uid-l", 0).build(), "");
        Pod kept = pods.run(podConfig("kept", "default", "uid-k", 0).build(), "");
        // behind Hako's back, as a reboot would: the pins of one pod are gone
        sh("umount", lost.context().netns().toString());
        sh("umount", lost.context().utsns().toString());
        // and a directory of a pod whose row is gone, with a mount left in it
        Path leftover = Files.createDirectories(pods.podsRoot().resolve("ab".repeat(32)).resolve("shm"));
        sh("mount", "-t", "tmpfs", "tmpfs", leftover.toString());

        PodService restarted = newService();
        restarted.recover();

        assertThat(restarted.get(lost.id()).state()).isEqualTo(Pod.State.NOTREADY);
        assertThat(restarted.get(kept.id()).state()).isEqualTo(Pod.State.READY);
        assertThat(restarted.get(kept.id()).context()).isEqualTo(kept.context());
        assertThat(mountsUnder(lost.dir())).isEmpty();
        assertThat(mountsUnder(kept.dir())).hasSize(5);
        assertThat(leftover.getParent()).doesNotExist();
        assertThat(podDirs()).containsExactlyInAnyOrder(lost.id(), kept.id());
        // a second recovery changes nothing
        restarted.recover();
        assertThat(restarted.get(kept.id()).state()).isEqualTo(Pod.State.READY);
        assertThat(mountsUnder(kept.dir())).hasSize(5);
    }

    // -------------------------------------------------------------------------------------------- helpers

    private void assertInvalid(PodSandboxConfig cfg, String handler, String named) {
        assertThatThrownBy(() -> pods.run(cfg, handler))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_ARGUMENT))
                .hasMessageContaining(named);
    }

    private static PodSandboxConfig.Builder podConfig(String name, String namespace, String uid, int attempt) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace(namespace).setUid(uid)
                        .setAttempt(attempt))
                .setLogDirectory("/var/log/pods/" + namespace + "_" + name + "_" + uid);
    }

    private static LinuxPodSandboxConfig namespaces(NamespaceMode network, NamespaceMode pid, NamespaceMode ipc) {
        return LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                        .setNamespaceOptions(NamespaceOption.newBuilder().setNetwork(network).setPid(pid).setIpc(ipc)))
                .build();
    }

    private List<String> podDirs() throws IOException {
        try (Stream<Path> s = Files.list(pods.podsRoot())) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /**
     * The mounts of this test, under its temp directory; other runtimes and tests mount and unmount
     * elsewhere on the machine at the same time, so the host's whole mount table is no measure.
     */
    private List<String> ours() throws IOException {
        return HostState.mountsUnder(tmp);
    }

    private static List<String> mountinfo() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo"));
    }

    private static List<String> mountsUnder(Path dir) throws IOException {
        return mountinfo().stream().filter(l -> Path.of(l.split(" ")[4]).startsWith(dir)).toList();
    }

    /** The mountinfo line of what is mounted at {@code path}; fails when nothing is. */
    private static String mountAt(Path path) throws IOException {
        return mountinfo().stream().filter(l -> l.split(" ")[4].equals(path.toString())).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("nothing mounted at " + path));
    }

    /** Runs a command; its stripped output, or an AssertionError with it on failure. */
    private static String sh(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int rc = p.waitFor();
        if (rc != 0) {
            throw new AssertionError(String.join(" ", argv) + " exited " + rc + ": " + out);
        }
        return out;
    }
}
