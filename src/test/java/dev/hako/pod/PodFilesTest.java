package dev.hako.pod;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.DNSConfig;
import dev.hako.cri.v1.LinuxPodSandboxConfig;
import dev.hako.cri.v1.LinuxSandboxSecurityContext;
import dev.hako.cri.v1.NamespaceMode;
import dev.hako.cri.v1.NamespaceOption;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hostname, hosts and resolv.conf a pod gives its containers: their text and their mode. */
class PodFilesTest {
    @TempDir
    Path dir;

    private static PodSandboxConfig.Builder pod(String name) {
        return PodSandboxConfig.newBuilder().setMetadata(PodSandboxMetadata.newBuilder()
                .setName(name).setNamespace("default").setUid("u-1"));
    }

    @Test
    void aPodWithItsOwnNetworkGetsItsNameOnLoopbackAndTheKubeletsDns() throws IOException {
        DNSConfig dns = DNSConfig.newBuilder().addServers("10.96.0.10").addServers("10.96.0.11")
                .addSearches("default.svc.cluster.local").addSearches("svc.cluster.local")
                .addOptions("ndots:5").build();
        PodSandboxConfig config = pod("web-0").setDnsConfig(dns).build();

        PodFiles.write(dir, SandboxPlan.of(config), config.getDnsConfig());

        assertThat(Files.readString(dir.resolve(PodFiles.HOSTNAME))).isEqualTo("web-0\n");
        assertThat(Files.readString(dir.resolve(PodFiles.HOSTS))).isEqualTo(
                "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tweb-0\n");
        assertThat(Files.readString(dir.resolve(PodFiles.RESOLV_CONF))).isEqualTo(
                "nameserver 10.96.0.10\nnameserver 10.96.0.11\n"
                        + "search default.svc.cluster.local svc.cluster.local\noptions ndots:5\n");
        for (String file : new String[] {PodFiles.HOSTNAME, PodFiles.HOSTS, PodFiles.RESOLV_CONF}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(file))))
                    .as(file).isEqualTo("rw-r--r--");
        }
    }

    @Test
    void anExplicitHostnameWinsOverThePodName() throws IOException {
        PodSandboxConfig config = pod("web-0").setHostname("api.example").build();

        PodFiles.write(dir, SandboxPlan.of(config), config.getDnsConfig());

        assertThat(Files.readString(dir.resolve(PodFiles.HOSTNAME))).isEqualTo("api.example\n");
        assertThat(Files.readString(dir.resolve(PodFiles.HOSTS))).endsWith("127.0.1.1\tapi.example\n");
    }

    @Test
    void withoutDnsSettingsAndOnTheHostNetworkThePodCopiesTheHostsFiles() throws IOException {
        PodSandboxConfig config = pod("host-0").setLinux(LinuxPodSandboxConfig.newBuilder()
                .setSecurityContext(LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                        NamespaceOption.newBuilder().setNetwork(NamespaceMode.NODE)))).build();

        PodFiles.write(dir, SandboxPlan.of(config), config.getDnsConfig());

        assertThat(Files.readAllBytes(dir.resolve(PodFiles.HOSTS))).isEqualTo(hostFile("/etc/hosts",
                "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"));
        assertThat(Files.readAllBytes(dir.resolve(PodFiles.RESOLV_CONF))).isEqualTo(hostFile("/etc/resolv.conf", ""));
    }

    @Test
    void anAddressFromCniReplacesTheLoopbackName() throws IOException {
        PodFiles.writeHosts(dir, "web-0", "10.88.0.7");

        assertThat(Files.readString(dir.resolve(PodFiles.HOSTS))).isEqualTo(
                "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.88.0.7\tweb-0\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(PodFiles.HOSTS))))
                .isEqualTo("rw-r--r--");
    }

    @Test
    void resolvConfWritesOnlyTheLinesItHas() {
        assertThat(PodFiles.resolvConf(DNSConfig.newBuilder().addSearches("a.example").build()))
                .isEqualTo("search a.example\n");
        assertThat(PodFiles.resolvConf(DNSConfig.getDefaultInstance())).isEmpty();
    }

    private static byte[] hostFile(String path, String fallback) throws IOException {
        Path file = Path.of(path);
        return Files.exists(file) ? Files.readAllBytes(file) : fallback.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
