package dev.hako.sys;

import static dev.hako.testing.Commands.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hako.oci.TestBundles;
import dev.hako.testing.TempDirs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real protocol: runc passes the pty masters of a detached container and of {@code exec --tty}. */
class ConsoleSocketRuncIT {
    private Path dir;
    private String id;

    @BeforeEach
    void bundle() throws Exception {
        assumeTrue(Files.isExecutable(TestBundles.RUNC) && Files.isExecutable(TestBundles.BUSYBOX), "needs runc and busybox");
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for runc");
        dir = TempDirs.create("hako-tty");
        TestBundles.rootfs(dir.resolve("b/rootfs"));
        check(List.of(TestBundles.RUNC.toString(), "spec", "-b", dir.resolve("b").toString())); // terminal: true, sh
        id = "hako-tty-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    }

    @AfterEach
    void removeContainer() throws Exception {
        if (id != null) {
            new ProcessBuilder(TestBundles.RUNC.toString(), "delete", "-f", id).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
        }
        TempDirs.delete(dir);
    }

    @Test
    void runAndExecWithATtyHandTheirPtyMastersOver() throws Exception {
        int master;
        try (ConsoleSocket console = ConsoleSocket.listen(dir.resolve("run.sock"))) {
            check(List.of(TestBundles.RUNC.toString(), "run", "-d", "--console-socket", console.path().toString(),
                    "-b", dir.resolve("b").toString(), id));
            master = console.receive(Duration.ofSeconds(10));
        }
        // the container's shell lives as long as its terminal: keep both streams open until the end
        try (InputStream in = FdStreams.input(master); OutputStream out = FdStreams.output(master)) {
            out.write("echo hi-$((40+2))\n".getBytes(StandardCharsets.UTF_8));
            assertThat(readUntil(in, "hi-42")).contains("hi-42");

            try (ConsoleSocket console = ConsoleSocket.listen(dir.resolve("exec.sock"))) {
                check(List.of(TestBundles.RUNC.toString(), "exec", "-d", "--tty", "--console-socket",
                        console.path().toString(), id, "/bin/sh", "-c", "read x; busybox stty size; echo exec-done"));
                int execMaster = console.receive(Duration.ofSeconds(10));
                Terminals.resize(execMaster, 33, 121);
                try (InputStream execIn = FdStreams.input(execMaster);
                        OutputStream execOut = FdStreams.output(execMaster)) {
                    execOut.write('\n');
                    String seen = readUntil(execIn, "exec-done");
                    assertThat(seen).contains("33 121").contains("exec-done");
                    assertThat(execIn.read()).as("the exec ended: its terminal reads as ended").isEqualTo(-1);
                }
            }
        }
    }

    /** Reads until {@code marker} appeared after the echo of what was typed, the end, or 10 seconds. */
    private static String readUntil(InputStream in, String marker) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buf = new byte[1024];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String text = seen.toString(StandardCharsets.UTF_8);
            if (text.contains(marker + "\r\n")) {
                return text;
            }
            int n = in.read(buf, 0, buf.length);
            if (n < 0) {
                break;
            }
            seen.write(buf, 0, n);
        }
        return seen.toString(StandardCharsets.UTF_8);
    }
}
