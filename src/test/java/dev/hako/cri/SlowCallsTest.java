package dev.hako.cri;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SlowCallsTest {
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    @Test
    void aFastCallIsNotWarnedAbout() {
        assertThat(new SlowCalls().warn("RunPodSandbox", SECOND / 2, 100 * SECOND)).isEqualTo(-1);
    }

    @Test
    void oneWarningPerRpcPerMinuteCountingTheOthers() {
        SlowCalls s = new SlowCalls();
        long t = 1_000 * SECOND;
        assertThat(s.warn("RunPodSandbox", 2 * SECOND, t)).isZero();
        assertThat(s.warn("RunPodSandbox", 2 * SECOND, t + SECOND)).isEqualTo(-1);
        assertThat(s.warn("RunPodSandbox", 3 * SECOND, t + 2 * SECOND)).isEqualTo(-1);
        assertThat(s.warn("CreateContainer", 2 * SECOND, t + 2 * SECOND)).as("another RPC has its own window").isZero();
        assertThat(s.warn("RunPodSandbox", 2 * SECOND, t + 61 * SECOND)).as("two not logged since").isEqualTo(2);
    }

    @Test
    void callsWhoseLengthTheCallerChoseAreLeftOut() {
        SlowCalls s = new SlowCalls();
        for (String rpc : new String[] {"PullImage", "ExecSync", "StopContainer", "StopPodSandbox", "GetContainerEvents"}) {
            assertThat(s.warn(rpc, 30 * SECOND, 100 * SECOND)).as(rpc).isEqualTo(-1);
        }
    }
}
