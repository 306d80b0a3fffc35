package dev.hako.pod;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.DNSConfig;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.PortMapping;
import dev.hako.cri.v1.Protocol;
import dev.hako.network.Cni;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What CNI is told about a pod, and that without CNI nothing is attached or owed. */
class PodNetworkTest {
    private static final PodSandboxMetadata META = PodSandboxMetadata.newBuilder()
            .setName("web-0").setNamespace("shop").setUid("u-1").build();

    @Test
    void onlyHostPortsAreMappedWithTheirProtocol() {
        PodSandboxConfig config = PodSandboxConfig.newBuilder().setMetadata(META)
                .addPortMappings(PortMapping.newBuilder().setContainerPort(80).setHostPort(8080))
                .addPortMappings(PortMapping.newBuilder().setProtocol(Protocol.UDP).setContainerPort(53)
                        .setHostPort(5353).setHostIp("127.0.0.1"))
                .addPortMappings(PortMapping.newBuilder().setProtocol(Protocol.SCTP).setContainerPort(9)
                        .setHostPort(9999))
                .addPortMappings(PortMapping.newBuilder().setContainerPort(443)) // no host port: not mapped
                .build();

        Cni.Attachment a = PodNetwork.attachment("abc", config, Path.of("/state/pods/abc/ns/net"));

        assertThat(a.podId()).isEqualTo("abc");
        assertThat(a.netns()).isEqualTo("/state/pods/abc/ns/net");
        assertThat(a.namespace()).isEqualTo("shop");
        assertThat(a.name()).isEqualTo("web-0");
        assertThat(a.uid()).isEqualTo("u-1");
        assertThat(a.portMappings()).containsExactly(
                new Cni.PortMapping(8080, 80, "tcp", ""),
                new Cni.PortMapping(5353, 53, "udp", "127.0.0.1"),
                new Cni.PortMapping(9999, 9, "sctp", ""));
        assertThat(a.dns()).isEmpty();
    }

    @Test
    void theDnsSettingsTheKubeletGaveArePassedOn() {
        PodSandboxConfig config = PodSandboxConfig.newBuilder().setMetadata(META).setDnsConfig(DNSConfig.newBuilder()
                .addServers("10.96.0.10").addSearches("shop.svc.cluster.local")).build();

        Cni.Attachment a = PodNetwork.attachment("abc", config, Path.of("/n"));

        assertThat(a.dns()).isEqualTo(Map.of("servers", List.of("10.96.0.10"),
                "searches", List.of("shop.svc.cluster.local")));
    }

    @Test
    void theNetnsPinIsInTheNsDirectory() {
        assertThat(PodNetwork.netnsPin(Path.of("/state/pods/abc"))).isEqualTo(Path.of("/state/pods/abc/ns/net"));
    }

    @Test
    void withoutCniNothingIsAttachedOrOwed() {
        PodNetwork none = new PodNetwork(null);
        assertThat(none.attaches()).isFalse();
        assertThat(none.owesDel("abc")).isFalse();
        none.releaseOrphans(Set.of(), Set.of()); // nothing to release, and no CNI to ask
    }
}
