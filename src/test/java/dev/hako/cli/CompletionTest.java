package dev.hako.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bash completion script, run by a real bash: commands, flags and output formats complete. */
class CompletionTest {
    @TempDir
    Path dir;

    @Test
    void hakoCompletionBashPrintsTheScript() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(Main.run(List.of("completion", "bash"), new PrintStream(out), System.err)).isZero();
        assertThat(out.toString()).isEqualTo(Completion.bash()).contains("complete -F _hako hako");
        assertThat(Main.run(List.of("completion", "zsh"), new PrintStream(out), new PrintStream(new ByteArrayOutputStream())))
                .isEqualTo(2);
    }

    @Test
    void everyCommandIsKnownToMain() {
        for (String command : Completion.COMMANDS.keySet()) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Main.run(List.of(command, "--no-such-option-x"), new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
            assertThat(err.toString()).as(command).doesNotContain("unknown command");
        }
    }

    @Test
    void bashCompletesCommandsFlagsAndFormats() throws Exception {
        assertThat(complete("hako", "sto")).isEqualTo("stopp stop");
        assertThat(complete("hako", "stat")).isEqualTo("stats statsp");
        assertThat(complete("hako", "insp")).isEqualTo("inspecti inspectp inspect");
        assertThat(complete("hako", "rm", "--f")).isEqualTo("--force");
        assertThat(complete("hako", "ps", "-o", "")).isEqualTo("table json yaml");
        assertThat(complete("hako", "completion", "")).isEqualTo("bash");
        assertThat(complete("hako", "ps", "--state", "")).isEqualTo("created running exited unknown");
        assertThat(complete("hako", "stats", "--no")).isEqualTo("--no-stream");
        // no daemon behind this socket: no IDs, and no error text in the completions
        assertThat(complete("hako", "stop", "--socket", dir.resolve("none.sock").toString(), "")).isEmpty();
    }

    /** COMPREPLY after completing the last word of {@code words}, as bash computes it. */
    private String complete(String... words) throws Exception {
        Path script = Files.writeString(dir.resolve("hako.bash"), Completion.bash());
        StringBuilder array = new StringBuilder();
        for (String w : words) {
            array.append(" '").append(w).append('\'');
        }
        String test = "source " + script + "; COMP_WORDS=(" + array + "); COMP_CWORD=" + (words.length - 1)
                + "; _hako; echo \"${COMPREPLY[*]}\"";
        Process p = new ProcessBuilder("bash", "-c", test).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }
}
