package dev.hako.sys;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Subprocess.spawn, as the CNI plugins use it: stdin in, stdout and stderr apart, a deadline, nothing left. */
class SubprocessSpawnTest {
    @TempDir
    Path dir;

    @Test
    void feedsStdinAndCapturesBothStreams() throws Exception {
        Path scratch = dir.resolve("scratch");
        Subprocess.Outcome o = Subprocess.spawn(List.of("/bin/sh", "-c", "cat; echo oops >&2; exit 4"),
                Map.of("PATH", "/usr/bin:/bin"), "{\"cniVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(10), scratch);
        assertThat(o.timedOut()).isFalse();
        assertThat(o.exit()).isEqualTo(4);
        assertThat(o.stdout()).isEqualTo("{\"cniVersion\":\"1.0.0\"}");
        assertThat(o.stderr()).isEqualTo("oops\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(scratch))).isEqualTo("rwx------");
        try (var left = Files.list(scratch)) {
            assertThat(left.toList()).as("stdin/stdout/stderr files are removed").isEmpty();
        }
    }

    @Test
    void noStdinMeansDevNullAndEnvironmentIsExact() throws Exception {
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin", "CNI_COMMAND", "ADD");
        Subprocess.Outcome in = Subprocess.spawn(List.of("/usr/bin/wc", "-c"), env, null, Duration.ofSeconds(10), dir.resolve("s"));
        assertThat(in.stdout().strip()).isEqualTo("0");
        Subprocess.Outcome o = Subprocess.spawn(List.of("/usr/bin/env"), env, null, Duration.ofSeconds(10), dir.resolve("s"));
        assertThat(o.exit()).isZero();
        assertThat(o.stdout().lines().sorted().toList()).containsExactly("CNI_COMMAND=ADD", "PATH=/usr/bin:/bin");
    }

    @Test
    void overrunningChildIsKilledWithItsDescendants() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        Subprocess.Outcome o = Subprocess.spawn(List.of("/bin/sh", "-c", "sleep 60 & echo $! > " + pidFile + "; wait"),
                Map.of("PATH", "/usr/bin:/bin"), null, Duration.ofMillis(500), dir.resolve("s"));
        assertThat(o.timedOut()).isTrue();
        long child = Long.parseLong(Files.readString(pidFile).strip());
        for (int i = 0; i < 100 && ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(20);
        }
        assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)).as("the sleep was killed too").isFalse();
    }
}
