package dev.hako.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.testing.TempDirs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A python3 client passes a pty master as runc does with {@code --console-socket}, then plays the
 * process on the slave side.
 */
class ConsoleSocketTest {
    private static final String CLIENT = """
            import os, socket, sys
            m, s = os.openpty()
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect("console")  # relative: the full path is too long for python's connect too
            socket.send_fds(c, [b"/dev/ptmx"], [m])
            os.close(m)
            c.close()
            line = os.read(s, 100).decode().strip()
            rows, cols = os.get_terminal_size(s).lines, os.get_terminal_size(s).columns
            os.write(s, ("pong:%s size=%dx%d\\n" % (line, rows, cols)).encode())
            os.close(s)
            """;

    private Path root;
    private Path dir;

    @BeforeEach
    void makeDir() throws IOException {
        root = TempDirs.create("hako-console");
        dir = Files.createDirectories(root.resolve("c".repeat(60)).resolve("d".repeat(60)));
    }

    @AfterEach
    void removeDir() {
        TempDirs.delete(root);
    }

    @Test
    void receivesAPtyMasterThatCarriesTheSessionAndResizes() throws Exception {
        Path path = dir.resolve("console");
        assertThat(path.toString().length()).isGreaterThan(108);
        try (ConsoleSocket console = ConsoleSocket.listen(path)) {
            assertThat(Files.exists(path)).isTrue();
            Process client = new ProcessBuilder("python3", "-c", CLIENT).directory(dir.toFile())
                    .redirectErrorStream(true).start();
            try {
                int master = console.receive(Duration.ofSeconds(10));
                assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/" + master)).toString()).contains("ptmx");

                Terminals.resize(master, 40, 100);
                assertThat(Terminals.size(master)).isEqualTo(new Terminals.TerminalSize(40, 100));

                InputStream in = FdStreams.input(master);
                OutputStream out = FdStreams.output(master);
                out.write("ping\n".getBytes(StandardCharsets.UTF_8));
                out.flush();

                ByteArrayOutputStream seen = new ByteArrayOutputStream();
                byte[] buf = new byte[256];
                int n;
                while ((n = in.read(buf, 0, buf.length)) >= 0) { // -1: EIO once python closed the slave
                    seen.write(buf, 0, n);
                }
                assertThat(seen.toString(StandardCharsets.UTF_8)).contains("pong:ping size=40x100");
                assertThat(client.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(client.exitValue()).as(new String(client.getInputStream().readAllBytes())).isZero();

                in.close();
                assertThat(Terminals.size(master).rows()).as("still open while the output stream is").isEqualTo(40);
                out.close();
                assertThat(fdTarget(master)).doesNotContain("ptmx");
            } finally {
                client.destroyForcibly();
            }
        }
        assertThat(Files.exists(path)).as("close unlinks the socket").isFalse();
    }

    @Test
    void receiveGivesUpAfterItsTimeout() throws Exception {
        try (ConsoleSocket console = ConsoleSocket.listen(dir.resolve("console"))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> console.receive(Duration.ofMillis(300)))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("no runtime connected");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 3000L);
        }
    }

    @Test
    void aConnectionWithoutADescriptorIsAnError() throws Exception {
        try (ConsoleSocket console = ConsoleSocket.listen(dir.resolve("console"))) {
            Process client = new ProcessBuilder("python3", "-c", """
                    import socket
                    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    c.connect("console")
                    c.send(b"no fd here")
                    c.recv(1)
                    """).directory(dir.toFile()).redirectErrorStream(true).start();
            try {
                assertThatThrownBy(() -> console.receive(Duration.ofSeconds(10)))
                        .hasMessageContaining("without a descriptor");
            } finally {
                client.destroyForcibly();
            }
        }
    }

    @Test
    void listeningOnAnExistingPathFails() throws Exception {
        Path path = dir.resolve("console");
        try (ConsoleSocket first = ConsoleSocket.listen(path)) {
            assertThatThrownBy(() -> ConsoleSocket.listen(path))
                    .isInstanceOf(ErrnoException.class)
                    .hasMessageContaining("EADDRINUSE");
        }
    }

    static String fdTarget(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            return "(closed)";
        }
    }
}
