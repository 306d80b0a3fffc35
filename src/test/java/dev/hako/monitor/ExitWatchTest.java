package dev.hako.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exit watcher reports containers by their exit files, never conmon's temp files. */
class ExitWatchTest {
    @TempDir
    Path state;

    @Test
    void conmonsTempFilesAreRecognised() {
        assertThat(ExitWatch.isTempName("abc.Xy12Z9")).isTrue();
        assertThat(ExitWatch.isTempName("abc")).isFalse();
        assertThat(ExitWatch.isTempName("abc.short")).isFalse();
        assertThat(ExitWatch.isTempName("a".repeat(64))).isFalse();
    }

    @Test
    void anExitFileThatAppearsIsReported() throws Exception {
        Path exits = state.resolve("exits");
        Set<String> seen = ConcurrentHashMap.newKeySet();
        try (ExitWatch watch = new ExitWatch(exits)) {
            watch.watch(seen::add);
            assertThat(exits).isDirectory();
            Files.writeString(exits.resolve("c1.AbC123"), "0");
            Files.writeString(exits.resolve("c1"), "0");
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!seen.contains("c1") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(seen).contains("c1").doesNotContain("c1.AbC123");
        }
    }
}
