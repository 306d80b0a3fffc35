package dev.hako.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What Hako makes of runsc's error log after a failed {@code runsc start}. */
class SandboxShimTest {
    @Test
    void theMessagesOfRunscsJsonErrorLogAreJoined() {
        assertThat(SandboxShim.errorMessage("""
                {"msg":"starting container: starting sub-container [/nope]: no such file","level":"error","time":"2026-12-03T23:24:04.6Z"}
                """)).isEqualTo("starting container: starting sub-container [/nope]: no such file");
        assertThat(SandboxShim.errorMessage("{\"msg\":\"one\",\"level\":\"error\"}\n{\"msg\":\"two\",\"level\":\"error\"}\n"))
                .isEqualTo("one; two");
    }

    @Test
    void otherTextIsKeptAsTheRuntimeWroteIt() {
        assertThat(SandboxShim.errorMessage("time=\"2026-12-03T23:24:04Z\" level=error msg=\"bad thing\"\n"))
                .isEqualTo("bad thing");
        assertThat(SandboxShim.errorMessage("plain words\n")).isEqualTo("plain words");
        assertThat(SandboxShim.errorMessage("")).isEmpty();
    }

    @Test
    void theShimGivesTheContainerConmonsStderrAndRunscsErrorsALogFile() {
        var handler = new dev.hako.config.HandlerConfig("runsc", java.nio.file.Path.of("/usr/bin/runsc"), null,
                java.util.List.of(), "oci", null, false, java.util.List.of(), "always");
        String script = SandboxShim.script(handler);
        assertThat(script).contains("--log \"$bundle/start.err\" start \"$id\"");
        assertThat(script).doesNotContain("2> \"$bundle/start.err\"");
    }
}
