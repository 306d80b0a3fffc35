package dev.hako.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RuntimeMessagesTest {
    @Test
    void logrusErrorLinesAreUnquoted() {
        String stderr = "time=\"2026-11-26T06:45:51Z\" level=warning msg=\"ignored\"\n"
                + "time=\"2026-11-26T06:45:51Z\" level=error msg=\"exec failed: unable to start container process: "
                + "exec: \\\"/nope\\\": stat /nope: no such file or directory\"\n";
        assertThat(RuntimeMessages.clean(stderr)).isEqualTo(
                "exec failed: unable to start container process: exec: \"/nope\": stat /nope: no such file or directory");
        assertThat(RuntimeMessages.clean("time=\"x\" level=error msg=\"container does not exist\"\n"))
                .isEqualTo("container does not exist");
    }

    @Test
    void longMessagesFullOfEscapesAreUnquotedWithoutRecursion() {
        // runc quotes a long working_dir or path with %q; a regex over it overflowed the stack at ~5 kB
        String path = "/\\x01".repeat(200_000);
        String stderr = "time=\"x\" level=error msg=\"chdir to cwd (\\\"" + path + "\\\") failed\"\n";
        assertThat(RuntimeMessages.clean(stderr)).startsWith("chdir to cwd (\"/x01/x01").endsWith("\") failed")
                .hasSize("chdir to cwd (\"\") failed".length() + 4 * 200_000);
    }

    @Test
    void otherTextIsKeptTrimmed() {
        assertThat(RuntimeMessages.clean("  crun: error opening file `/run/crun/x/status`: No such file\n"))
                .isEqualTo("crun: error opening file `/run/crun/x/status`: No such file");
        assertThat(RuntimeMessages.clean(null)).isEmpty();
    }

    @Test
    void commandsTheRuntimesCannotExecAreTold() {
        assertTrue(RuntimeMessages.cannotExec("runc create failed: unable to start container process: exec: "
                + "\"/bin/does-not-exist\": stat /bin/does-not-exist: no such file or directory"));
        assertTrue(RuntimeMessages.cannotExec("exec: \"app\": executable file not found in $PATH"));
        assertTrue(RuntimeMessages.cannotExec("unable to start container process: exec: \"/etc/passwd\": permission denied"));
        assertTrue(RuntimeMessages.cannotExec("executable file `nope` not found in $PATH: No such file or directory"));
        assertFalse(RuntimeMessages.cannotExec("error mounting \"/x\" to rootfs at \"/y\": no such file or directory"));
        assertFalse(RuntimeMessages.cannotExec("cgroup: cannot set memory limit: device or resource busy"));
        assertFalse(RuntimeMessages.cannotExec(null));
    }
}
