package dev.hako.oci;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** runsc's process table, as {@code runsc ps} prints it. */
class OciRuntimeParseTest {
    @Test
    void runscProcessTable() {
        String table = """
                UID       PID       PPID      C         TTY       STIME     TIME      CMD
                0         2         0         0         ?         22:42     0s        sleep
                0         3         0         0         ?         22:42     0s        sleep
                0         4         3         0         ?         22:42     0s        sleep
                """;
        assertThat(OciRuntime.parseProcessTable(table)).containsExactly(new OciRuntime.SandboxProcess(2, 0),
                new OciRuntime.SandboxProcess(3, 0), new OciRuntime.SandboxProcess(4, 3));
        assertThat(OciRuntime.parseProcessTable("")).isEmpty();
    }
}
