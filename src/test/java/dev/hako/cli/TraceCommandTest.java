package dev.hako.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TraceCommandTest {
    @Test
    void timingsPrintAsAnIndentedTreeWithWhenEachBeganAndTheTotal() {
        String json = """
                [{"id":1,"parent":0,"name":"RunPodSandbox","container":"","start":"2026-12-04T10:00:00.000Z","duration_ms":64.1},
                 {"id":2,"parent":1,"name":"namespaces","container":"","start":"2026-12-04T10:00:00.001Z","duration_ms":3.2},
                 {"id":3,"parent":1,"name":"network","container":"","start":"2026-12-04T10:00:00.005Z","duration_ms":40.0},
                 {"id":4,"parent":3,"name":"cni add bridge","container":"","start":"2026-12-04T10:00:00.005Z","duration_ms":30.0},
                 {"id":5,"parent":0,"name":"CreateContainer","container":"web","start":"2026-12-04T10:00:01.000Z","duration_ms":20.0,"failed":true}]
                """;
        String tree = TraceCommand.tree("abc", TraceCommand.parse(json));
        assertThat(tree.lines().toList()).containsExactly(
                "PHASE                                        AT   DURATION",
                "RunPodSandbox                            0.0 ms    64.1 ms",
                "  namespaces                             1.0 ms     3.2 ms",
                "  network                                5.0 ms    40.0 ms",
                "    cni add bridge                       5.0 ms    30.0 ms",
                "CreateContainer web (failed)          1000.0 ms    20.0 ms",
                "total (the calls above)                            84.1 ms");
    }

    @Test
    void aPodWithoutTimingsSaysWhy() {
        assertThat(TraceCommand.tree("abc", TraceCommand.parse("[]"))).startsWith("no start-up timings for pod abc");
    }
}
