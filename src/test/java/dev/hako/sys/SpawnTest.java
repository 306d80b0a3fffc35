package dev.hako.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** posix_spawn with file actions: descriptors, directory, environment, signals, exit statuses and reaping. */
class SpawnTest {
    private static final long FOREVER = Long.MAX_VALUE;

    @TempDir
    Path dir;

    private Spawn spawn(Path out, String... argv) {
        return new Spawn(List.of(argv))
                .environment(Map.of("PATH", "/usr/bin:/bin"))
                .open(0, Path.of("/dev/null"), ProcCalls.O_RDONLY, 0)
                .open(1, out, ProcCalls.O_WRONLY | Spawn.O_CREAT | Spawn.O_TRUNC, 0600)
                .dup(2, 1);
    }

    @Test
    void exitCodeAndSignalDeath() throws Exception {
        Path out = dir.resolve("out");
        assertThat(spawn(out, "/bin/sh", "-c", "exit 3").start().waitFor(FOREVER)).isEqualTo(3);
        assertThat(spawn(out, "/bin/true").start().waitFor(FOREVER)).isZero();
        assertThat(spawn(out, "/bin/sh", "-c", "kill -TERM $$").start().waitFor(FOREVER)).isEqualTo(128 + 15);
    }

    @Test
    void descriptorsDirectoryAndEnvironmentAreExactlyAsGiven() throws Exception {
        Path out = dir.resolve("out");
        Path three = dir.resolve("three");
        Path four = dir.resolve("four");
        Files.writeString(four, "from four\n");
        Path work = Files.createDirectory(dir.resolve("work"));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("ONLY", "this");
        SpawnedProcess p = new Spawn(List.of("/bin/sh", "-c",
                "echo hi >&3; cat <&4; pwd; cat; echo err >&2; env | grep -v '^PWD=' | grep -v '^SHLVL=' | grep -v '^_=' | sort"))
                .environment(env)
                .directory(work)
                .open(0, Path.of("/dev/null"), ProcCalls.O_RDONLY, 0)
                .open(1, out, ProcCalls.O_WRONLY | Spawn.O_CREAT | Spawn.O_TRUNC, 0600)
                .dup(2, 1)
                .open(3, three, ProcCalls.O_WRONLY | Spawn.O_CREAT, 0640)
                .open(4, four, ProcCalls.O_RDONLY, 0)
                .start();
        assertThat(p.waitFor(FOREVER)).isZero();
        assertThat(Files.readString(three)).isEqualTo("hi\n");
        assertThat(Files.readString(out)).isEqualTo("from four\n" + work.toRealPath() + "\nerr\nONLY=this\nPATH=/usr/bin:/bin\n");
        assertThat(Files.getPosixFilePermissions(out)).hasSize(2); // rw------- (umask may only take away)
    }

    @Test
    void fifosOpenReadWriteWithoutWaiting() throws Exception {
        Path fifo = dir.resolve("sync.fifo");
        ProcCalls.mkfifo(fifo, 0600);
        int mine = ProcCalls.open(fifo, ProcCalls.O_RDWR | ProcCalls.O_NONBLOCK);
        try {
            SpawnedProcess p = spawn(dir.resolve("out"), "/bin/sh", "-c", "echo ok >&3")
                    .open(3, fifo, ProcCalls.O_RDWR, 0)
                    .start();
            assertThat(p.waitFor(FOREVER)).isZero();
            assertThat(ProcCalls.poll(mine, ProcCalls.POLLIN, 5000) & ProcCalls.POLLIN).isNotZero();
            assertThat(new String(ProcCalls.read(mine, 16))).isEqualTo("ok\n");
        } finally {
            ProcCalls.close(mine);
        }
    }

    @Test
    void noOtherDescriptorLeaksAndSignalsStartClean() throws Exception {
        Path out = dir.resolve("out");
        Path status = dir.resolve("status");
        // the JDK opens this without O_CLOEXEC: a plain fork-exec would pass it on
        try (FileInputStream leak = new FileInputStream("/proc/self/stat")) {
            SpawnedProcess p = spawn(out, "/bin/ls", "/proc/self/fd")
                    .open(3, Path.of("/dev/null"), ProcCalls.O_RDONLY, 0)
                    .open(4, Path.of("/dev/null"), ProcCalls.O_RDONLY, 0)
                    .start();
            assertThat(p.waitFor(FOREVER)).isZero();
            // 0-4 as given, and the directory ls itself opened
            assertThat(Arrays.stream(Files.readString(out).split("\\s+")).sorted().toList())
                    .containsExactly("0", "1", "2", "3", "4", "5");
            assertThat(leak.read()).isPositive();
        }
        assertThat(spawn(status, "/bin/cat", "/proc/self/status").start().waitFor(FOREVER)).isZero();
        List<String> lines = Files.readAllLines(status);
        assertThat(lines).contains("SigBlk:\t0000000000000000");
        // glibc leaves only its two internal signals (32, 33) ignored, as it does for ProcessBuilder's children
        long ignored = lines.stream().filter(l -> l.startsWith("SigIgn:")).mapToLong(l -> Long.parseUnsignedLong(l.substring(7).strip(), 16))
                .findFirst().orElseThrow();
        assertThat(ignored & 0x7fffffffL).isZero(); // bit n-1 is signal n
    }

    @Test
    void timeoutLeavesTheChildRunningThenKillAndNoZombie() throws Exception {
        SpawnedProcess p = spawn(dir.resolve("out"), "/bin/sleep", "1000").start();
        assertThat(p.waitFor(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200))).isNull();
        assertThat(Files.exists(Path.of("/proc/" + p.pid()))).isTrue();
        p.kill();
        assertThat(p.waitFor(FOREVER)).isEqualTo(128 + 9);
        assertThat(Files.exists(Path.of("/proc/" + p.pid()))).isFalse();
        p.kill(); // reaped: a no-op, never a signal to a reused pid
        assertThat(p.exitValue()).isEqualTo(128 + 9);
    }

    @Test
    void waitsFromAVirtualThread() throws Exception {
        AtomicReference<Integer> code = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            try {
                code.set(spawn(dir.resolve("out"), "/bin/sh", "-c", "sleep 0.2; exit 7").start().waitFor(FOREVER));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        t.join();
        assertThat(code.get()).isEqualTo(7);
    }

    @Test
    void failuresNameTheProgramAndErrno() {
        assertThatThrownBy(() -> spawn(dir.resolve("out"), "/nonexistent/prog").start())
                .isInstanceOf(ErrnoException.class)
                .hasMessageContaining("/nonexistent/prog");
        assertThatThrownBy(() -> spawn(dir.resolve("out"), "/bin/true")
                .open(3, dir.resolve("missing/x"), ProcCalls.O_RDONLY, 0).start())
                .isInstanceOf(ErrnoException.class);
        assertThatThrownBy(() -> new Spawn(List.of("true"))).isInstanceOf(IllegalArgumentException.class);
    }
}
