package dev.hako.network;

import static dev.hako.testing.Commands.output;
import static dev.hako.testing.Commands.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.Readiness;
import dev.hako.config.NetworkSettings;
import dev.hako.error.HakoException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CNI with the real Debian plugins on a test-only bridge and subnet, in network namespaces made for the test. */
class CniIT {
    private static final String BRIDGE = "hakotest0";
    private static final String NETWORK = "hakotest";

    @TempDir
    Path tmp;
    Path confDir;
    Path binDir;
    Path dataDir;
    Cni cni;
    String netnsName;

    @BeforeEach
    void setUp() throws IOException {
        confDir = Files.createDirectories(tmp.resolve("net.d"));
        binDir = Files.createDirectories(tmp.resolve("bin"));
        dataDir = tmp.resolve("ipam");
        cni = new Cni(new NetworkSettings(confDir, List.of(binDir, Path.of("/usr/lib/cni"))), tmp.resolve("cache"));
        netnsName = "hakotest-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void tearDown() throws Exception {
        run("ip", "netns", "del", netnsName);
        run("ip", "link", "del", BRIDGE);
    }

    private void writeBridgeConflist(String file) throws IOException {
        Files.writeString(confDir.resolve(file), """
                {"cniVersion": "1.0.0", "name": "%s", "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                   "ipam": {"type": "host-local", "dataDir": "%s",
                            "ranges": [[{"subnet": "10.231.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
                  {"type": "portmap", "capabilities": {"portMappings": true}}
                ]}
                """.formatted(NETWORK, BRIDGE, dataDir));
    }

    private String netns() throws Exception {
        assertThat(run("ip", "netns", "add", netnsName)).isZero();
        return "/run/netns/" + netnsName;
    }

    private Cni.Attachment attachment(String podId, String netns, List<Cni.PortMapping> ports) {
        return new Cni.Attachment(podId, netns, "default", "web", "uid-" + podId, ports, Map.of());
    }

    private List<Path> leases() throws IOException {
        Path dir = dataDir.resolve(NETWORK);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("10.231.")).toList();
        }
    }

    @Test
    void addGivesAnAddressInsideTheNetnsAndDelReleasesIt() throws Exception {
        writeBridgeConflist("10-test.conflist");
        String ns = netns();
        String podId = "pod" + netnsName.substring(9);
        Cni.Attachment a = attachment(podId, ns, List.of(new Cni.PortMapping(18080, 80, "TCP", "127.0.0.1")));

        Cni.Result r = cni.add(a);

        assertThat(r.ips()).hasSize(1);
        assertThat(r.ips().getFirst()).startsWith("10.231.0.");
        assertThat(output("ip", "netns", "exec", netnsName, "ip", "-4", "addr", "show", "eth0"))
                .contains(r.ips().getFirst() + "/24");
        assertThat(leases()).extracting(p -> p.getFileName().toString()).containsExactly(r.ips().getFirst());
        assertThat(cni.hasCachedResult(podId)).isTrue();

        try {
            assertThat(output("iptables-save", "-t", "nat")).contains(podId).contains("--dport 18080");
        } finally {
            cni.del(a);
        }

        assertThat(leases()).isEmpty();
        assertThat(cni.hasCachedResult(podId)).isFalse();
        assertThat(output("ip", "netns", "exec", netnsName, "ip", "link")).doesNotContain("eth0");
        assertThat(output("iptables-save", "-t", "nat")).doesNotContain(podId);
        cni.del(a); // a second DEL is harmless
    }

    @Test
    void delSucceedsWhenTheNetnsIsAlreadyGone() throws Exception {
        writeBridgeConflist("10-test.conflist");
        String ns = netns();
        Cni.Attachment a = attachment("gone1", ns, List.of());
        cni.add(a);
        assertThat(leases()).hasSize(1);
        assertThat(run("ip", "netns", "del", netnsName)).isZero();

        cni.del(a);

        assertThat(leases()).isEmpty();
        assertThat(cni.hasCachedResult("gone1")).isFalse();
    }

    @Test
    void aFailingPluginsMessageAndDetailsSurface() throws Exception {
        Path plugin = binDir.resolve("hakofail");
        Files.writeString(plugin, """
                #!/bin/sh
                cat >/dev/null
                echo '{"cniVersion":"1.0.0","code":11,"msg":"boom from plugin","details":"the details"}'
                exit 1
                """);
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(confDir.resolve("10-fail.conflist"), """
                {"cniVersion": "1.0.0", "name": "failnet", "plugins": [{"type": "hakofail"}]}
                """);
        assertThat(cni.readiness().ready()).isTrue();

        assertThatThrownBy(() -> cni.add(attachment("fail1", "/nonexistent", List.of())))
                .isInstanceOf(HakoException.class)
                .hasMessageContaining("boom from plugin")
                .hasMessageContaining("the details")
                .hasMessageContaining("hakofail");
        // a failed ADD may have done part of its work: its DEL stays owed until one succeeds
        assertThat(cni.hasCachedResult("fail1")).isTrue();
    }

    @Test
    void anAddCutShortStillOwesItsDelAfterARestart() throws Exception {
        Path reached = tmp.resolve("hang.reached");
        Path release = tmp.resolve("hang.release");
        Path plugin = binDir.resolve("hakohang");
        Files.writeString(plugin, """
                #!/bin/sh
                cat >/dev/null
                [ "$CNI_COMMAND" = ADD ] || exit 0
                touch %s
                i=0
                while [ ! -e %s ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
                exit 1
                """.formatted(reached, release));
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(confDir.resolve("10-test.conflist"), """
                {"cniVersion": "1.0.0", "name": "%s", "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                   "ipam": {"type": "host-local", "dataDir": "%s",
                            "ranges": [[{"subnet": "10.231.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
                  {"type": "portmap", "capabilities": {"portMappings": true}},
                  {"type": "hakohang"}
                ]}
                """.formatted(NETWORK, BRIDGE, dataDir));
        String ns = netns();
        String podId = "cut" + netnsName.substring(9);
        Cni.Attachment a = attachment(podId, ns, List.of(new Cni.PortMapping(18081, 80, "TCP", "127.0.0.1")));
        Thread adding = Thread.ofVirtual().start(() -> {
            try {
                cni.add(a);
            } catch (RuntimeException expected) {
                // the last plugin fails once released
            }
        });
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.exists(reached) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(reached).exists();
            // bridge and portmap have done their work; the daemon dies here. The next one, with the same cache,
            // must know a DEL is owed and, with only the pod's ID (as recovery has it), release everything
            assertThat(leases()).hasSize(1);
            assertThat(output("iptables-save", "-t", "nat")).contains(podId);
            Cni restarted = new Cni(new NetworkSettings(confDir, List.of(binDir, Path.of("/usr/lib/cni"))),
                    tmp.resolve("cache"));
            assertThat(restarted.cachedPodIds()).contains(podId);
            restarted.del(new Cni.Attachment(podId, "", "", "", "", List.of(), Map.of()));

            assertThat(leases()).isEmpty();
            assertThat(output("iptables-save", "-t", "nat")).doesNotContain(podId);
            assertThat(output("ip", "netns", "exec", netnsName, "ip", "link")).doesNotContain("eth0");
            assertThat(restarted.hasCachedResult(podId)).isFalse();
        } finally {
            Files.writeString(release, "");
            adding.join(70_000);
        }
    }

    @Test
    void readinessFollowsTheConfigurationDirectory() throws Exception {
        Readiness empty = cni.readiness();
        assertThat(empty.ready()).isFalse();
        assertThat(empty.reason()).isEqualTo("NetworkPluginNotReady");
        assertThat(empty.message()).contains("no CNI configuration in " + confDir);

        Files.writeString(confDir.resolve("05-broken.conflist"), "{\"cniVersion\": \"1.0.0\", \"name\": ");
        Readiness broken = cni.readiness();
        assertThat(broken.ready()).isFalse();
        assertThat(broken.reason()).isEqualTo("NetworkPluginNotReady");
        assertThat(broken.message()).contains("05-broken.conflist");

        Files.delete(confDir.resolve("05-broken.conflist"));
        Files.writeString(confDir.resolve("10-missing.conf"), """
                {"cniVersion": "0.4.0", "name": "m", "type": "no-such-plugin"}
                """);
        assertThat(cni.readiness().message()).contains("no-such-plugin");

        Files.delete(confDir.resolve("10-missing.conf"));
        writeBridgeConflist("20-ok.conflist");
        assertThat(cni.readiness()).isEqualTo(Readiness.READY);
    }

    @Test
    void aConfIsWrappedAsAOnePluginList() throws Exception {
        Files.writeString(confDir.resolve("10-one.conf"), """
                {"cniVersion": "0.4.0", "name": "one", "type": "loopback"}
                """);
        CniNetConf conf = new CniConfigDir(new NetworkSettings(confDir, List.of(binDir, Path.of("/usr/lib/cni")))).load();
        assertThat(conf.name()).isEqualTo("one");
        assertThat(conf.plugins()).hasSize(1);
        assertThat(conf.plugins().getFirst().get("type")).isEqualTo("loopback");
        assertThat(cni.readiness().ready()).isTrue();
    }
}
