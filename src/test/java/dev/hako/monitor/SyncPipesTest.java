package dev.hako.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sync fifo protocol: conmon's JSON lines, read without conmon. */
class SyncPipesTest {
    @TempDir
    Path dir;

    @Test
    void aLineIsOneMessageAndGarbageIsAFailure() {
        assertThat(SyncPipes.parse("{\"pid\": 42}\n")).containsEntry("pid", 42L);
        assertThat(SyncPipes.parse("   ")).isNull();
        assertThat(SyncPipes.parse("oops")).containsEntry("pid", -1L).containsEntry("exit_code", -1L)
                .containsEntry("message", "unreadable answer from conmon: oops");
    }

    @Test
    void theFirstCompleteLineCounts() {
        assertThat(SyncPipes.firstMessage("{\"pid\": 4")).isNull();
        assertThat(SyncPipes.firstMessage("{\"pid\": 4}\n{\"pid\": 5}\n")).containsEntry("pid", 4L);
    }

    @Test
    void afterAnExecTheLastMessageWithTheKeyCounts() {
        String text = "{\"pid\": 7}\n{\"exit_code\": 1}\n\n{\"exit_code\": 3, \"message\": \"x\"}\n{\"other\": 1}";
        assertThat(SyncPipes.lastMessageWith(text, "exit_code")).containsEntry("exit_code", 3L)
                .containsEntry("message", "x");
        assertThat(SyncPipes.lastMessageWith("{\"pid\": 7}\n", "exit_code")).isNull();
        assertThat(SyncPipes.lastMessageWith("", "exit_code")).isNull();
    }

    @Test
    void fifosArePrivateAndGoneOnClose() throws Exception {
        try (SyncPipes pipes = SyncPipes.open(dir, "t")) {
            assertThat(pipes.sync).isEqualTo(dir.resolve("t-sync.fifo"));
            assertThat(pipes.start).isEqualTo(dir.resolve("t-start.fifo"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pipes.sync))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(pipes.start))).isEqualTo("rw-------");
            assertThat(Files.isRegularFile(pipes.sync)).isFalse();
        }
        assertThat(dir.resolve("t-sync.fifo")).doesNotExist();
        assertThat(dir.resolve("t-start.fifo")).doesNotExist();
    }

    @Test
    void aMessageWrittenByTheMonitorIsRead() throws Exception {
        try (SyncPipes pipes = SyncPipes.open(dir, "t")) {
            pipes.release();
            try (InputStream start = Files.newInputStream(pipes.start)) {
                assertThat(start.read()).as("the start byte").isEqualTo('0');
            }
            write(pipes.sync, "{\"pid\": 123}\n");
            Map<String, Object> m = pipes.awaitMessage(System.nanoTime() + TimeUnit.SECONDS.toNanos(30), -1);
            assertThat(m).containsEntry("pid", 123L);
        }
    }

    @Test
    void noMessageByTheDeadlineIsNull() throws Exception {
        try (SyncPipes pipes = SyncPipes.open(dir, "t")) {
            write(pipes.sync, "{\"pid\": 1");
            assertThat(pipes.awaitMessage(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50), -1)).isNull();
        }
    }

    @Test
    void whatAnExitedExecLeftIsRead() throws Exception {
        try (SyncPipes pipes = SyncPipes.open(dir, "t")) {
            write(pipes.sync, "{\"pid\": 9}\n{\"exit_code\": 0, \"message\": \"\"}\n{\"exit_code\": 7}\n");
            assertThat(pipes.leftMessage("exit_code")).containsEntry("exit_code", 7L);
            assertThat(pipes.leftMessage("exit_code")).as("drained").isNull();
        }
    }

    private static void write(Path fifo, String text) throws Exception {
        // the pipe's own read-write end is open, so this open does not wait for a reader
        try (OutputStream out = Files.newOutputStream(fifo)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }
}
