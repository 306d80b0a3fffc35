package dev.hako.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hako.cri.v1.CpuUsage;
import dev.hako.cri.v1.UInt64Value;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsCommandTest {
    private static final long SECOND = 1_000_000_000L;

    private static CpuUsage cpu(long at, Long total, Long nanoCores) {
        CpuUsage.Builder b = CpuUsage.newBuilder().setTimestamp(at);
        if (total != null) {
            b.setUsageCoreNanoSeconds(UInt64Value.newBuilder().setValue(total));
        }
        if (nanoCores != null) {
            b.setUsageNanoCores(UInt64Value.newBuilder().setValue(nanoCores));
        }
        return b.build();
    }

    @Test
    void cpuPercentIsTheGrowthOfTheCumulativeUsageOverTheTimeBetweenTwoSamples() {
        // 1.5 s of CPU time in 2 s: 75 % of one core; the daemon's own rate is ignored then
        assertThat(StatsCommand.cpuPercent(cpu(10 * SECOND, 4 * SECOND, 1L), cpu(12 * SECOND, 11 * SECOND / 2, 1L)))
                .isCloseTo(75.0, within(1e-9));
        // two cores busy: 200 %
        assertThat(StatsCommand.cpuPercent(cpu(0, 0L, null), cpu(SECOND, 2 * SECOND, null))).isCloseTo(200.0, within(1e-9));
    }

    @Test
    void withoutAnEarlierSampleOrANewOneTheDaemonsRateIsShown() {
        assertThat(StatsCommand.cpuPercent(null, cpu(SECOND, 5L, 250_000_000L))).isCloseTo(25.0, within(1e-9));
        CpuUsage same = cpu(SECOND, 5L, 500_000_000L);
        assertThat(StatsCommand.cpuPercent(same, same)).as("the daemon has not sampled again").isCloseTo(50.0, within(1e-9));
        assertThat(StatsCommand.cpuPercent(cpu(SECOND, 9 * SECOND, null), cpu(2 * SECOND, SECOND, 100_000_000L)))
                .as("a counter that went back (a restart)").isCloseTo(10.0, within(1e-9));
        assertThat(StatsCommand.cpuPercent(null, cpu(SECOND, 5L, null))).isNaN();
    }

    @Test
    void memoryPercentAndFigures() {
        assertThat(StatsCommand.memPercent(256L << 20, 1L << 30)).isCloseTo(25.0, within(1e-9));
        assertThat(StatsCommand.memPercent(5, 0)).isNaN();
        assertThat(StatsCommand.percent(Double.NaN)).isEqualTo("--");
        assertThat(StatsCommand.percent(12.345)).isEqualTo("12.35%");
        assertThat(StatsCommand.memory(3L << 20, 2L << 30)).isEqualTo("3.0 MiB / 2.0 GiB");
        assertThat(StatsCommand.nodeMemory()).isPositive();
    }

    @Test
    void containerTableHasAHeaderAndARowPerContainer() {
        String table = StatsCommand.containerTable(List.of(
                new StatsCommand.Row("4f2a9c1d3e5b6a7b8c9d", "nginx", "web/default", 1.5, 10L << 20, 1L << 30,
                        List.of("4.0 KiB")),
                new StatsCommand.Row("77aa9c1d3e5b6a7b8c9d", "init", "web/default", Double.NaN, 0, 1L << 30,
                        List.of("--"))));
        List<String> lines = table.lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).split("\\s{2,}")).containsExactly("CONTAINER", "NAME", "POD", "CPU %",
                "MEM USAGE / LIMIT", "MEM %", "DISK");
        assertThat(lines.get(1).split("\\s{2,}")).containsExactly("4f2a9c1d3e5b6", "nginx", "web/default", "1.50%",
                "10.0 MiB / 1.0 GiB", "0.98%", "4.0 KiB");
        assertThat(lines.get(2).split("\\s{2,}")).containsExactly("77aa9c1d3e5b6", "init", "web/default", "--", "--",
                "--", "--");
    }

    @Test
    void podTableHasProcessesAndNetwork() {
        String table = StatsCommand.podTable(List.of(new StatsCommand.Row("9c1aa2b3c4d5e6f7", "web", "default", 200.0,
                1L << 20, 4L << 20, List.of("3", "1.0 KiB / 2.0 KiB"))));
        List<String> lines = table.lines().toList();
        assertThat(lines.get(0).split("\\s{2,}")).containsExactly("POD ID", "NAME", "NAMESPACE", "CPU %",
                "MEM USAGE / LIMIT", "MEM %", "PIDS", "NET RX / TX");
        assertThat(lines.get(1).split("\\s{2,}")).containsExactly("9c1aa2b3c4d5e", "web", "default", "200.00%",
                "1.0 MiB / 4.0 MiB", "25.00%", "3", "1.0 KiB / 2.0 KiB");
    }
}
