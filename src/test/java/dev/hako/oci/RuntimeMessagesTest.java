package dev.hako.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
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
    void rootfsPathsNeverLeaveTheRoot() throws Exception {
        Path dir = TempDirs.create("hako-rootfs-");
        try {
            Path root = Files.createDirectories(dir.resolve("root"));
            Files.createDirectories(root.resolve("etc"));
            Files.createSymbolicLink(root.resolve("etc/up"), Path.of("../../../../.."));
            Files.createSymbolicLink(root.resolve("etc/abs"), Path.of("/etc"));
            Files.createSymbolicLink(root.resolve("etc/loop"), Path.of("loop"));
            assertThat(RootfsUsers.resolveInRoot(root, "/etc/up/etc/passwd")).isEqualTo(root.resolve("etc/passwd"));
            assertThat(RootfsUsers.resolveInRoot(root, "/etc/abs/passwd")).isEqualTo(root.resolve("etc/passwd"));
            assertThat(RootfsUsers.resolveInRoot(root, "/../../etc/group")).isEqualTo(root.resolve("etc/group"));
            assertThat(RootfsUsers.resolveInRoot(root, "/etc/loop/x")).isNull();
        } finally {
            TempDirs.delete(dir);
        }
    }
}
