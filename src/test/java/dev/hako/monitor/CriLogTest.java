package dev.hako.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.testing.TempDirs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CriLogTest {
    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = TempDirs.create("hako-crilog-");
    }

    @AfterEach
    void tearDown() {
        TempDirs.delete(dir);
    }

    @Test
    void fullAndPartialRecordsRebuildTheStreams() throws Exception {
        Path log = Files.writeString(dir.resolve("0.log"), """
                2026-11-26T06:45:51.456252375+00:00 stdout F hi
                2026-11-26T06:45:51.456252375+00:00 stdout P part one,\s
                2026-11-26T06:45:51.456252375+00:00 stdout F part two
                2026-11-26T06:45:51.456355459+00:00 stderr F bad
                2026-11-26T06:45:51.456355459+00:00 stdout F\s
                2026-11-26T06:45:51.456355459+00:00 stderr F:x tagged
                2026-11-26T06:45:51.456355459+00:00 stdout P no newline
                """);
        CriLog.Streams s = CriLog.read(log, 1 << 20);
        assertThat(new String(s.stdout(), StandardCharsets.UTF_8)).isEqualTo("hi\npart one, part two\n\nno newline");
        assertThat(new String(s.stderr(), StandardCharsets.UTF_8)).isEqualTo("bad\ntagged\n");
        assertThat(s.truncated()).isFalse();
    }

    @Test
    void eachStreamIsCapped() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            b.append("2026-11-26T06:45:51.456252375+00:00 stdout F 0123456789\n");
        }
        b.append("2026-11-26T06:45:51.456252375+00:00 stderr F small\n");
        CriLog.Streams s = CriLog.read(Files.writeString(dir.resolve("0.log"), b), 50);
        assertThat(s.stdout()).hasSize(50);
        assertThat(new String(s.stderr(), StandardCharsets.UTF_8)).isEqualTo("small\n");
        assertThat(s.truncated()).isTrue();
    }

    @Test
    void missingLogIsEmpty() throws Exception {
        CriLog.Streams s = CriLog.read(dir.resolve("none.log"), 10);
        assertThat(s.stdout()).isEmpty();
        assertThat(s.stderr()).isEmpty();
    }
}
