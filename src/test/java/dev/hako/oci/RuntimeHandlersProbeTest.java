package dev.hako.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.config.HandlerConfig;
import dev.hako.testing.RuntimeBinaries;
import dev.hako.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Handler probes: --version, crun on hybrid cgroups, rro from features, timeouts, all in parallel. */
class RuntimeHandlersProbeTest {
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TempDirs.create("hako-probe");
    }

    @AfterEach
    void tearDown() throws Exception {
        TempDirs.delete(dir);
    }

    private HandlerConfig script(String name, String body) throws Exception {
        Path bin = dir.resolve(name);
        Files.writeString(bin, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new HandlerConfig(name, bin, dir.resolve("state-" + name), List.of());
    }

    private static final Path ROOT = Path.of("/sys/fs/cgroup");

    @Test
    void mountinfoOfAHybridHostIsRecognised() {
        String hybrid = """
                31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
                32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
                41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
                """;
        String v2 = "30 23 0:27 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        String v1 = "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n";
        assertThat(HostCgroups.detect(hybrid, ROOT).hybrid()).isTrue();
        assertThat(HostCgroups.detect(v2, ROOT).hybrid()).isFalse();
        assertThat(HostCgroups.detect(v1, ROOT).hybrid()).isFalse();
        assertThat(HostCgroups.detect("", ROOT).hybrid()).isFalse();
    }

    @Test
    void rroComesFromTheFeaturesMountOptions() {
        assertThat(RuntimeHandlers.listsRro("{\"mountOptions\":[\"ro\",\"rro\"]}")).isTrue();
        assertThat(RuntimeHandlers.listsRro("{\"mountOptions\":[\"ro\"]}")).isFalse();
        assertThat(RuntimeHandlers.listsRro("{}")).isFalse();
        assertThat(RuntimeHandlers.listsRro("unknown command features")).isFalse();
    }

    @Test
    void probesReportReadinessWithReasons() throws Exception {
        // the real runc, next to broken binaries no real runtime can be made into: one without the
        // features command (an old runtime), one missing a library, one that hangs, one not there
        HandlerConfig runc = new HandlerConfig("runc", RuntimeBinaries.require("runc"), dir.resolve("state-runc"), List.of());
        HandlerConfig noFeatures = script("nofeatures", """
                case "$1" in --version) echo "nf 1.0";; *) echo "unknown command $1" >&2; exit 1;; esac""");
        HandlerConfig broken = script("broken", "echo 'libfoo.so: not found' >&2; exit 127");
        HandlerConfig slow = script("slow", "sleep 10");
        HandlerConfig gone = new HandlerConfig("gone", dir.resolve("gone"), dir.resolve("state-gone"), List.of());
        Map<String, RuntimeHandlers.HandlerStatus> s =
                RuntimeHandlers.probeAll(List.of(runc, noFeatures, broken, slow, gone), false);
        assertThat(s.keySet()).containsExactly("runc", "nofeatures", "broken", "slow", "gone");
        assertThat(s.get("runc").readiness().ready()).as(s.get("runc").readiness().message()).isTrue();
        assertThat(s.get("nofeatures").readiness().ready()).isTrue();
        assertThat(s.get("nofeatures").runtimeRro()).isFalse();
        assertThat(s.get("broken").readiness().reason()).isEqualTo("RuntimeVersionFailed");
        assertThat(s.get("broken").readiness().message()).contains("exit status 127").contains("libfoo.so: not found");
        assertThat(s.get("slow").readiness().reason()).isEqualTo("RuntimeVersionFailed");
        assertThat(s.get("slow").readiness().message()).contains("timed out");
        assertThat(s.get("gone").readiness().reason()).isEqualTo("RuntimeBinaryMissing");
    }

    @Test
    void theHostsCrunIsNotReadyOnAHybridHost() throws Exception {
        Path crun = Path.of("/usr/bin/crun");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(crun), "crun is not installed");
        boolean hybrid = HostCgroups.current().hybrid();
        RuntimeHandlers.HandlerStatus s =
                RuntimeHandlers.probe(new HandlerConfig("crun", crun, dir.resolve("crun"), List.of()), hybrid);
        System.out.println("crun on this host: ready=" + s.readiness().ready() + " " + s.readiness().reason()
                + " " + s.readiness().message());
        assertThat(s.readiness().ready()).isEqualTo(!hybrid);
        if (hybrid) {
            assertThat(s.readiness().reason()).isEqualTo("CgroupsHybridUnsupported");
        }
    }

    @Test
    void theHostsRuncIsReady() {
        HandlerConfig runc = new HandlerConfig("runc", Path.of("/usr/sbin/runc"), dir.resolve("runc"), List.of());
        RuntimeHandlers.HandlerStatus s = RuntimeHandlers.probe(runc, false);
        assertThat(s.readiness().ready()).as(s.readiness().message()).isTrue();
    }
}
