package dev.hako.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bandwidth capability from Kubernetes' pod annotations. */
class BandwidthTest {

    @Test
    void annotationsBecomeRatesInBitsPerSecond() {
        Map<String, Object> bw = Cni.bandwidth(Map.of("kubernetes.io/ingress-bandwidth", "10M",
                "kubernetes.io/egress-bandwidth", "1Mi", "other", "x"));
        assertThat(bw).containsEntry("ingressRate", 10_000_000L).containsEntry("egressRate", 1_048_576L)
                .containsEntry("ingressBurst", (long) Integer.MAX_VALUE).containsEntry("egressBurst", (long) Integer.MAX_VALUE);
        assertThat(Cni.bandwidth(Map.of())).isEmpty();
        assertThat(CniCapabilityArgs.bitsPerSecond("500k", "f")).isEqualTo(500_000L);
        assertThat(CniCapabilityArgs.bitsPerSecond("2000", "f")).isEqualTo(2000L);
    }

    @Test
    void aMalformedRateNamesTheAnnotation() {
        assertThatThrownBy(() -> Cni.bandwidth(Map.of("kubernetes.io/egress-bandwidth", "fast")))
                .isInstanceOfSatisfying(HakoException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HakoException.Kind.INVALID_ARGUMENT);
                    assertThat(e.getMessage()).contains("kubernetes.io/egress-bandwidth").contains("fast");
                });
    }
}
