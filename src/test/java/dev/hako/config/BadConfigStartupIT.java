package dev.hako.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.testing.HakoCommand;
import dev.hako.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A bad config stops the real daemon before it touches anything: exit 2, the key or path on stderr. */
class BadConfigStartupIT {
    private Path dir;

    @BeforeEach
    void dir() throws Exception {
        dir = TempDirs.create("hako-badcfg");
    }

    @AfterEach
    void clean() {
        TempDirs.delete(dir);
    }

    @Test
    void unknownKey() throws Exception {
        HakoCommand.Result r = startWith("[runtime]\nhandler = \"runc\"\n");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("hako: invalid configuration: runtime.handler (line 5): unknown key");
        assertThat(dir.resolve("root")).doesNotExist();
        assertThat(dir.resolve("run/hako.sock")).doesNotExist();
    }

    @Test
    void missingRuntimeBinary() throws Exception {
        HakoCommand.Result r = startWith("[runtime.handlers.runc]\npath = \"/opt/missing/runc\"\n");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("runtime.handlers.runc.path (line 5): /opt/missing/runc does not exist");
    }

    @Test
    void unknownDefaultHandler() throws Exception {
        HakoCommand.Result r = startWith("[runtime]\ndefault_handler = \"kata\"\n");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("runtime.default_handler (line 5): \"kata\" is not a configured handler");
    }

    @Test
    void wrongType() throws Exception {
        HakoCommand.Result r = startWith("[stream]\nport = \"10010\"\n");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("stream.port (line 5): expected an integer, got a string");
    }

    @Test
    void badLogLevelFlag() throws Exception {
        Path config = Files.writeString(dir.resolve("hako.toml"), base());
        HakoCommand.Result r = HakoCommand.run(dir, "daemon", "--config", config.toString(), "--log-level", "chatty");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains("--log-level: \"chatty\" is not one of error, warn, info, debug, trace");
    }

    @Test
    void missingConfigFile() throws Exception {
        HakoCommand.Result r = HakoCommand.run(dir, "daemon", "--config", dir.resolve("nope.toml").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.output()).contains(dir.resolve("nope.toml") + ": config file does not exist");
    }

    private HakoCommand.Result startWith(String extra) throws Exception {
        Path config = Files.writeString(dir.resolve("hako.toml"), base() + extra);
        return HakoCommand.run(dir, "daemon", "--config", config.toString());
    }

    private String base() {
        return """
                socket = "%s/run/hako.sock"
                root = "%s/root"
                state = "%s/run"
                """.formatted(dir, dir, dir);
    }
}
