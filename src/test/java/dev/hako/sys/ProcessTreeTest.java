package dev.hako.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** /proc parsing and the choice of what a timed-out exec's kill reaches, then a real process tree. */
class ProcessTreeTest {
    @Test
    void statLinesWithOddCommandNames() {
        ProcessTree.Stat s = ProcessTree.parse("4242 (we ird) (x)) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 "
                + "987654 1000 10 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0");
        assertThat(s).isEqualTo(new ProcessTree.Stat(4242, 'S', 1, 4242, 4242, 987654));
    }

    @Test
    void membersAreGroupSessionAndDescendantsStartedSinceTheExec() {
        Map<Integer, ProcessTree.Stat> all = Map.of(
                10, new ProcessTree.Stat(10, 'S', 1, 10, 10, 500),    // the exec'd process
                11, new ProcessTree.Stat(11, 'S', 10, 10, 10, 501),   // its child
                12, new ProcessTree.Stat(12, 'S', 10, 12, 12, 502),   // a child in its own session
                13, new ProcessTree.Stat(13, 'S', 12, 12, 12, 503),   // and its child
                14, new ProcessTree.Stat(14, 'S', 1, 10, 10, 504),    // orphaned, still in the group
                20, new ProcessTree.Stat(20, 'S', 1, 20, 20, 100),    // unrelated
                21, new ProcessTree.Stat(21, 'S', 1, 10, 10, 100));   // pid reuse: older than the exec
        assertThat(ProcessTree.members(10, 500, all)).extracting(ProcessTree.Stat::pid)
                .containsExactlyInAnyOrder(10, 11, 12, 13, 14);
    }

    @Test
    void killsARealTreeIncludingASetsidGrandchild() throws Exception {
        long notBefore = ProcessTree.nowTicks() - 1;
        Process p = new ProcessBuilder("setsid", "sh", "-c", "sleep 777101 & setsid sleep 777102 & exec sleep 777103")
                .start();
        Thread.sleep(300);
        int killed = ProcessTree.killAll((int) p.pid(), notBefore, 5000);
        assertThat(killed).isGreaterThanOrEqualTo(3);
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        List<String> left = ProcessHandle.allProcesses()
                .filter(h -> h.info().commandLine().orElse("").contains("sleep 77710")).map(h -> h.pid() + "")
                .toList();
        assertThat(left).isEmpty();
    }
}
