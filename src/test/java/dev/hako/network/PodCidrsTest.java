package dev.hako.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import org.junit.jupiter.api.Test;

class PodCidrsTest {

    @Test
    void singleAndDualStack() {
        assertThat(PodCidrs.parse("10.244.0.0/16", "f").ranges()).containsExactly("10.244.0.0/16");
        assertThat(PodCidrs.parse("10.244.0.0/24, fd00::/64", "f").toString()).isEqualTo("10.244.0.0/24,fd00::/64");
    }

    @Test
    void malformedRangesNameTheFieldAndTheValue() {
        for (String bad : new String[] {"10.244.0.0", "10.244.0.0/33", "fd00::/129", "host.example/24", "10.0.0.0/x", "10.0.0.0/24,"}) {
            assertThatThrownBy(() -> PodCidrs.parse(bad, "runtime_config.network_config.pod_cidr"))
                    .isInstanceOfSatisfying(HakoException.class, e -> {
                        assertThat(e.kind()).isEqualTo(HakoException.Kind.INVALID_ARGUMENT);
                        assertThat(e.getMessage()).startsWith("runtime_config.network_config.pod_cidr: \"");
                    });
        }
    }
}
