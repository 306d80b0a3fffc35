package dev.hako.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing the v1 and v2 accounting files, and /proc/net/dev. */
class CgroupFilesTest {
    static final String V1_STAT = """
            cache 1000
            rss 2000
            inactive_file 300
            pgfault 5
            pgmajfault 1
            total_cache 4096
            total_rss 8192
            total_inactive_file 1024
            total_pgfault 77
            total_pgmajfault 3
            hierarchical_memory_limit 9223372036854771712
            """;
    static final String V2_STAT = """
            anon 12288
            file 4096
            inactive_file 2048
            active_file 2048
            pgfault 42
            pgmajfault 2
            """;

    @Test
    void v1() {
        CgroupSample s = CgroupFiles.fromV1("123456789\n", "16384\n", V1_STAT, 2);
        assertThat(s).isEqualTo(new CgroupSample(123456789, 16384, 16384 - 1024, 8192, 77, 3, 2));
    }

    @Test
    void v1WorkingSetFlooredAtZero() {
        assertThat(CgroupFiles.fromV1("0", "100", "total_inactive_file 500\n", 0).workingSet()).isZero();
    }

    @Test
    void v2() {
        String cpuStat = "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n";
        CgroupSample s = CgroupFiles.fromV2(cpuStat, "20480\n", V2_STAT, 1);
        assertThat(s).isEqualTo(new CgroupSample(1_500_000, 20480, 20480 - 2048, 12288, 42, 2, 1));
    }

    @Test
    void readsFakeTrees(@TempDir Path root) throws Exception {
        Path cpu = Files.createDirectories(root.resolve("cpu,cpuacct/hako/hako-a"));
        Path mem = Files.createDirectories(root.resolve("memory/hako/hako-a"));
        Files.writeString(cpu.resolve("cpuacct.usage"), "999\n");
        Files.writeString(cpu.resolve("cgroup.procs"), "10\n11\n12\n");
        Files.writeString(mem.resolve("memory.usage_in_bytes"), "16384\n");
        Files.writeString(mem.resolve("memory.stat"), V1_STAT);
        CgroupSample s = CgroupFiles.read(CgroupPaths.resolve(root, "/hako/hako-a"));
        assertThat(s.cpuNanos()).isEqualTo(999);
        assertThat(s.processes()).isEqualTo(3);
        assertThat(s.workingSet()).isEqualTo(16384 - 1024);
        assertThat(s.limit()).as("no limit file").isZero();
        assertThat(s.available()).isEqualTo(-1);
        Files.writeString(mem.resolve("memory.limit_in_bytes"), "9223372036854771712\n"); // v1's "unlimited"
        assertThat(CgroupFiles.read(CgroupPaths.resolve(root, "/hako/hako-a")).limit()).isZero();
        Files.writeString(mem.resolve("memory.limit_in_bytes"), "65536\n");
        CgroupSample limited = CgroupFiles.read(CgroupPaths.resolve(root, "/hako/hako-a"));
        assertThat(limited.limit()).isEqualTo(65536);
        assertThat(limited.available()).isEqualTo(65536 - (16384 - 1024));

        Path v2 = Files.createDirectories(root.resolve("v2"));
        Files.writeString(v2.resolve("cgroup.controllers"), "cpu memory\n");
        Path dir = Files.createDirectories(v2.resolve("system.slice/hako-a.scope"));
        Files.writeString(dir.resolve("cpu.stat"), "usage_usec 7\n");
        Files.writeString(dir.resolve("memory.current"), "4096\n");
        Files.writeString(dir.resolve("memory.stat"), V2_STAT);
        Files.writeString(dir.resolve("cgroup.procs"), "1\n");
        CgroupSample s2 = CgroupFiles.read(CgroupPaths.resolve(v2, "system.slice:hako:a"));
        assertThat(s2.cpuNanos()).isEqualTo(7000);
        assertThat(s2.workingSet()).isEqualTo(2048);
        assertThat(s2.processes()).isEqualTo(1);
        Files.writeString(dir.resolve("memory.max"), "max\n");
        assertThat(CgroupFiles.read(CgroupPaths.resolve(v2, "system.slice:hako:a")).available()).isEqualTo(-1);
        Files.writeString(dir.resolve("memory.max"), "3000\n");
        assertThat(CgroupFiles.read(CgroupPaths.resolve(v2, "system.slice:hako:a")).available())
                .as("at least 0: the working set may pass a limit just lowered").isEqualTo(952);
    }

    @Test
    void netDev() {
        String text = """
                Inter-|   Receive                                                |  Transmit
                 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
                  eth0:    5000      40    2    0    0     0          0         0     3000      30    1    0    0     0       0          0
                """;
        assertThat(NetDev.parse(text)).containsExactly(new NetDev.Iface("eth0", 5000, 2, 3000, 1));
    }
}
