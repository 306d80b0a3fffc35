package dev.hako.container;

import static dev.hako.testing.Commands.output;
import static dev.hako.testing.Commands.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ExecSyncResponse;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.PortMapping;
import dev.hako.cri.v1.Protocol;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StatusRequest;
import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.HostState;
import dev.hako.testing.PodFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Pods on a test-only CNI bridge through the real daemon and the Debian CNI plugins. */
class PodNetworkIT {
    private static final String BRIDGE = "hakotest1";
    private static final String SUBNET_PREFIX = "10.231.1.";
    static DaemonProcess d;
    static Path ipamDir;

    @BeforeAll
    static void setUp() throws Exception {
        d = PodFixture.daemonWithImages();
        ipamDir = d.dir().resolve("ipam");
        Files.writeString(DaemonProcess.cniConfDir(d.dir()).resolve("10-hakotest.conflist"), """
                {"cniVersion": "1.0.0", "name": "hakotest1", "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                   "ipam": {"type": "host-local", "dataDir": "%s",
                            "ranges": [[{"subnet": "10.231.1.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
                  {"type": "portmap", "snat": true, "capabilities": {"portMappings": true}}
                ]}
                """.formatted(BRIDGE, ipamDir));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (d != null) {
            for (var p : d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            }
            d.close();
        }
        run("ip", "link", "del", BRIDGE);
    }

    private static String runPod(PodSandboxConfig config) {
        return d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(config).build()).getPodSandboxId();
    }

    private static String ip(String podId) {
        return d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(podId).build())
                .getStatus().getNetwork().getIp();
    }

    private static void stopAndRemove(String podId) {
        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
        d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
    }

    private static ExecSyncResponse exec(String id, String... cmd) {
        return d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).setTimeout(15)
                .addAllCmd(List.of(cmd)).build());
    }

    /** A container serving {@code text} on port 80 with busybox httpd. */
    private static String webServer(String podId, String text) throws InterruptedException {
        String id = PodFixture.start(d, podId, PodFixture.container("web",
                "mkdir -p /www && echo " + text + " > /www/index.html && exec httpd -f -p 80 -h /www"));
        Thread.sleep(300);
        return id;
    }

    private static String httpGet(String url) throws Exception {
        return PodFixture.httpGet(url);
    }

    @Test
    void theNodeIsReadyAndPodsGetAnAddressThatTheNodeAndOtherPodsReach() throws Exception {
        var network = d.runtime().status(StatusRequest.getDefaultInstance()).getStatus().getConditionsList().stream()
                .filter(c -> c.getType().equals("NetworkReady")).findFirst().orElseThrow();
        assertThat(network.getStatus()).as(network.getMessage()).isTrue();

        String a = runPod(PodFixture.podConfig(d, "net-a"));
        String b = runPod(PodFixture.podConfig(d, "net-b"));
        try {
            String ipA = ip(a);
            String ipB = ip(b);
            assertThat(ipA).startsWith(SUBNET_PREFIX);
            assertThat(ipB).startsWith(SUBNET_PREFIX).isNotEqualTo(ipA);
            webServer(a, "hello-from-a");
            String client = PodFixture.start(d, b, PodFixture.container("client", "sleep 1000"));

            ExecSyncResponse got = exec(client, "wget", "-q", "-O", "-", "http://" + ipA + "/");
            assertThat(got.getStdout().toStringUtf8()).as(got.getStderr().toStringUtf8()).contains("hello-from-a");
            ExecSyncResponse hosts = exec(client, "cat", "/etc/hosts");
            assertThat(hosts.getStdout().toStringUtf8()).contains(ipB + "\tnet-b");

            assertThat(httpGet("http://" + ipA + "/")).contains("hello-from-a");
        } finally {
            stopAndRemove(a);
            stopAndRemove(b);
        }
    }

    @Test
    void aHostPortOnLoopbackReachesThePod() throws Exception {
        PodSandboxConfig config = PodFixture.podConfig(d, "net-port").toBuilder()
                .addPortMappings(PortMapping.newBuilder().setProtocol(Protocol.TCP).setContainerPort(80)
                        .setHostPort(18081).setHostIp("127.0.0.1"))
                .build();
        String pod = runPod(config);
        try {
            webServer(pod, "hello-by-hostport");
            assertThat(httpGet("http://127.0.0.1:18081/")).contains("hello-by-hostport");
        } finally {
            stopAndRemove(pod);
        }
        assertThat(output("iptables-save", "-t", "nat")).doesNotContain(pod);
    }

    @Test
    void aHostPortWithoutHostIpReachesThePodOnLoopbackAndTheNodeIp() throws Exception {
        String nodeIp = output("ip", "-4", "-o", "addr", "show", "scope", "global").lines()
                .filter(l -> !l.contains(BRIDGE) && !l.contains("hako"))
                .map(l -> l.trim().split("\\s+")[3].split("/")[0]).findFirst().orElseThrow();
        PodSandboxConfig config = PodFixture.podConfig(d, "net-port-any").toBuilder()
                .addPortMappings(PortMapping.newBuilder().setProtocol(Protocol.TCP).setContainerPort(80).setHostPort(18082))
                .build();
        String pod = runPod(config);
        try {
            webServer(pod, "hello-on-every-address");
            assertThat(httpGet("http://127.0.0.1:18082/")).contains("hello-on-every-address");
            assertThat(httpGet("http://" + nodeIp + ":18082/")).contains("hello-on-every-address");
        } finally {
            stopAndRemove(pod);
        }
    }

    @Test
    void delSucceedsAfterTheNetnsPinWasUnmountedByHand() throws Exception {
        String pod = runPod(PodFixture.podConfig(d, "net-unpinned"));
        String ip = ip(pod);
        assertThat(Files.exists(ipamDir.resolve("hakotest1").resolve(ip))).isTrue();
        Path pin = d.dir().resolve("run/pods").resolve(pod).resolve("ns/net");
        assertThat(run("umount", pin.toString())).isZero();

        stopAndRemove(pod);

        assertThat(Files.exists(ipamDir.resolve("hakotest1").resolve(ip))).isFalse();
        assertThat(d.dir().resolve("run/cni").resolve(pod)).doesNotExist();
    }

    @Test
    void aRestartAfterThePinsWentAwayReleasesTheNetwork() throws Exception {
        String pod = runPod(PodFixture.podConfig(d, "net-reboot"));
        String ip = ip(pod);
        Path podDir = d.dir().resolve("run/pods").resolve(pod);
        d.process().destroyForcibly().waitFor();
        // as after a reboot: the pins are gone
        assertThat(run("umount", podDir.resolve("ns/net").toString())).isZero();
        d.start();

        assertThat(Files.exists(ipamDir.resolve("hakotest1").resolve(ip))).isFalse();
        assertThat(d.dir().resolve("run/cni").resolve(pod)).doesNotExist();
        stopAndRemove(pod);
    }

    @Test
    void dnsConfigBecomesThePodsResolvConf() throws Exception {
        PodSandboxConfig config = PodFixture.podConfig(d, "net-dns").toBuilder()
                .setDnsConfig(dev.hako.cri.v1.DNSConfig.newBuilder().addServers("10.96.0.10")
                        .addSearches("default.svc.cluster.local").addSearches("svc.cluster.local").addOptions("ndots:5"))
                .build();
        String pod = runPod(config);
        String id = PodFixture.start(d, pod, PodFixture.container("dns", "sleep 1000"));
        String resolv = exec(id, "/bin/cat", "/etc/resolv.conf").getStdout().toStringUtf8();
        assertThat(resolv).contains("nameserver 10.96.0.10").contains("search default.svc.cluster.local svc.cluster.local")
                .contains("options ndots:5");
        stopAndRemove(pod);
    }

    @Test
    void aHostNetworkPodSeesTheHostsInterfacesAndSkipsCni() throws Exception {
        PodSandboxConfig.Builder config = PodFixture.podConfig(d, "net-host").toBuilder();
        config.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder()
                .setNetwork(dev.hako.cri.v1.NamespaceMode.NODE);
        String pod = runPod(config.build());
        assertThat(ip(pod)).isEmpty();
        String id = PodFixture.start(d, pod, PodFixture.container("host", "sleep 1000"));
        // other pods' veths come and go on a busy machine: compare while the host's list holds still
        for (int attempt = 1; ; attempt++) {
            var before = interfaces(Files.readString(Path.of("/proc/net/dev")));
            var seen = interfaces(exec(id, "/bin/cat", "/proc/net/dev").getStdout().toStringUtf8());
            var after = interfaces(Files.readString(Path.of("/proc/net/dev")));
            if (before.equals(after) || attempt == 10) {
                assertThat(seen).isEqualTo(after);
                break;
            }
        }
        stopAndRemove(pod);
    }

    @Test
    void runStopRemoveCyclesLeaveNothingBehind() throws Exception {
        // one cycle first: portmap's shared chains are created once and stay
        stopAndRemove(runPod(PodFixture.podConfig(d, "net-warm")));
        // only this test's own links, mounts and rules: other runtimes and tests work on the machine meanwhile
        List<String> leases = leases();
        List<String> links = HostState.bridgeLinks(BRIDGE);
        List<String> mounts = HostState.mountsUnder(d.dir());
        List<String> rules = HostState.iptablesRules(PodNetworkIT::ourRule);

        for (int i = 0; i < 100; i++) {
            PodSandboxConfig config = PodFixture.podConfig(d, "net-cycle-" + i).toBuilder()
                    .addPortMappings(PortMapping.newBuilder().setProtocol(Protocol.TCP).setContainerPort(80)
                            .setHostPort(19000 + i))
                    .build();
            String pod = runPod(config);
            assertThat(ip(pod)).startsWith(SUBNET_PREFIX);
            stopAndRemove(pod);
        }

        assertThat(leases()).isEqualTo(leases);
        assertThat(HostState.bridgeLinks(BRIDGE)).isEqualTo(links);
        assertThat(HostState.mountsUnder(d.dir())).hasSameSizeAs(mounts);
        assertThat(HostState.iptablesRules(PodNetworkIT::ourRule)).hasSameSizeAs(rules);
    }

    /** An iptables rule of this test's network: its CNI comment, its subnet, or one of the cycle's host ports. */
    private static boolean ourRule(String rule) {
        return rule.contains(BRIDGE) || rule.contains(SUBNET_PREFIX) || rule.matches(".*--dports? 190\\d\\d\\b.*");
    }

    @Test
    void aPluginThatFailsAddFailsRunPodSandboxWithItsMessageAndLeavesNothingBehind() throws Exception {
        Path dir = dev.hako.testing.TempDirs.create("hako-cnifail");
        Path bin = Files.createDirectories(dir.resolve("cni-bin"));
        Path conf = Files.createDirectories(dir.resolve("cni-conf"));
        Path ipam = dir.resolve("ipam");
        Path plugin = bin.resolve("hakofail");
        Files.writeString(plugin, """
                #!/bin/sh
                cat >/dev/null
                [ "$CNI_COMMAND" = ADD ] || exit 0
                echo '{"cniVersion":"1.0.0","code":11,"msg":"no addresses for you","details":"hakofail says so"}'
                exit 1
                """);
        Files.setPosixFilePermissions(plugin, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(conf.resolve("10-fail.conflist"), """
                {"cniVersion": "1.0.0", "name": "hakotest2", "plugins": [
                  {"type": "bridge", "bridge": "hakotest2", "ipam": {"type": "host-local", "dataDir": "%s",
                   "ranges": [[{"subnet": "10.231.2.0/24"}]]}},
                  {"type": "hakofail"}
                ]}
                """.formatted(ipam));
        try (DaemonProcess f = DaemonProcess.withConfig(dir, """
                [network]
                cni_conf_dir = "%s"
                cni_bin_dirs = ["%s", "/usr/lib/cni"]
                """.formatted(conf, bin)).start()) {
            List<String> mounts = HostState.mountsUnder(f.dir());
            io.grpc.StatusRuntimeException e = null;
            try {
                f.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder()
                        .setConfig(PodFixture.podConfig(f, "net-fail")).build());
            } catch (io.grpc.StatusRuntimeException thrown) {
                e = thrown;
            }
            assertThat(e).isNotNull();
            assertThat(e.getStatus().getDescription()).contains("no addresses for you").contains("hakofail says so");
            assertThat(f.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsCount()).isZero();
            try (var s = Files.list(f.dir().resolve("run/pods"))) {
                assertThat(s.toList()).isEmpty();
            }
            Path leases = ipam.resolve("hakotest2");
            if (Files.isDirectory(leases)) {
                try (var s = Files.list(leases)) {
                    assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("10.231.2."))
                            .toList()).isEmpty();
                }
            }
            assertThat(HostState.mountsUnder(f.dir())).hasSameSizeAs(mounts);
        } finally {
            run("ip", "link", "del", "hakotest2");
        }
    }

    /** Interface names in a /proc/net/dev listing. */
    private static java.util.Set<String> interfaces(String procNetDev) {
        return procNetDev.lines().filter(l -> l.contains(":")).map(l -> l.substring(0, l.indexOf(':')).strip())
                .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    private static List<String> leases() throws IOException {
        Path dir = ipamDir.resolve("hakotest1");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(SUBNET_PREFIX)).sorted().toList();
        }
    }
}
