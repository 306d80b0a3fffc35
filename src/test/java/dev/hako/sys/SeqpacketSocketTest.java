package dev.hako.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.testing.TempDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a python3 SOCK_SEQPACKET server standing in for conmon's attach socket, at a path beyond sun_path. */
class SeqpacketSocketTest {
    private static final String SERVER = """
            import socket
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            s.bind("attach")  # relative: the full path is too long for python's bind too
            s.listen(1)
            print("ready", flush=True)
            c, _ = s.accept()
            c.send(b"hello")
            c.send(b"world!")
            a = c.recv(100)
            b = c.recv(100)
            c.send(b"got:" + a + b"|" + b)
            rest = c.recv(100)
            c.send(b"eof" if rest == b"" else b"not eof: " + rest)
            c.close()
            """;

    private Path root;
    private Path dir;
    private Process server;

    @BeforeEach
    void startServer() throws IOException {
        root = TempDirs.create("hako-seq");
        dir = Files.createDirectories(root.resolve("d".repeat(60)).resolve("e".repeat(60)));
        server = new ProcessBuilder("python3", "-c", SERVER).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        server.destroyForcibly();
        server.waitFor(10, TimeUnit.SECONDS);
        TempDirs.delete(root);
    }

    @Test
    void packetsKeepTheirBoundariesBothWaysAndThePeersCloseReadsAsEnd() throws Exception {
        Path path = dir.resolve("attach");
        assertThat(path.toString().getBytes(StandardCharsets.UTF_8).length).isGreaterThan(108);
        try (SeqpacketSocket socket = SeqpacketSocket.connect(path)) {
            byte[] buf = new byte[8192];
            assertThat(text(buf, socket.read(buf, 5000))).isEqualTo("hello");
            assertThat(text(buf, socket.read(buf, 5000))).isEqualTo("world!");

            byte[] out = "xabcdex".getBytes(StandardCharsets.UTF_8);
            socket.write(out, 1, 2);
            socket.write(out, 3, 3);
            assertThat(text(buf, socket.read(buf, 5000))).isEqualTo("got:ab|cde");

            socket.shutdownOutput();
            assertThat(text(buf, socket.read(buf, 5000))).isEqualTo("eof");
            assertThat(socket.read(buf, 5000)).isEqualTo(-1);
            assertThat(socket.read(buf, 5000)).isEqualTo(-1);
        }
    }

    @Test
    void aReadWithNothingToReadReturnsZeroAfterItsTimeout() throws Exception {
        try (SeqpacketSocket socket = SeqpacketSocket.connect(dir.resolve("attach"))) {
            byte[] buf = new byte[8192];
            assertThat(socket.read(buf, 5000)).isEqualTo(5); // "hello"
            assertThat(socket.read(buf, 5000)).isEqualTo(6); // "world!"
            long start = System.nanoTime();
            assertThat(socket.read(buf, 200)).isZero();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(millis).isBetween(150L, 2000L);
        }
    }

    @Test
    void closeOrAnInterruptEndsALongWaitEarly() throws Exception {
        SeqpacketSocket socket = SeqpacketSocket.connect(dir.resolve("attach"));
        byte[] buf = new byte[8192];
        socket.read(buf, 5000);
        socket.read(buf, 5000); // both greetings: nothing more comes until we write

        CompletableFuture<Throwable> interrupted = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                socket.read(new byte[8192], 60_000);
                interrupted.complete(null);
            } catch (Throwable t) {
                interrupted.complete(t);
            }
        });
        Thread.sleep(200);
        reader.interrupt();
        assertThat(interrupted.get(2, TimeUnit.SECONDS)).isInstanceOf(InterruptedIOException.class);

        CompletableFuture<Integer> closed = CompletableFuture.supplyAsync(() -> {
            try {
                return socket.read(new byte[8192], 60_000);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        socket.close();
        assertThat(closed.get(2, TimeUnit.SECONDS)).isEqualTo(-1);
    }

    @Test
    void aPacketLargerThanTheBufferIsReportedNotCut() throws Exception {
        try (SeqpacketSocket socket = SeqpacketSocket.connect(dir.resolve("attach"))) {
            byte[] small = new byte[3];
            assertThatThrownBy(() -> socket.read(small, 5000)).hasMessageContaining("5-byte packet");
        }
    }

    @Test
    void aMissingSocketNamesThePath() throws Exception {
        Path missing = dir.resolve("nothing-here");
        assertThatThrownBy(() -> SeqpacketSocket.connect(missing))
                .isInstanceOf(ErrnoException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("ENOENT");
    }

    @Test
    void closeIsIdempotentAndLaterCallsFail() throws Exception {
        SeqpacketSocket socket = SeqpacketSocket.connect(dir.resolve("attach"));
        socket.close();
        socket.close();
        assertThatThrownBy(() -> socket.read(new byte[10], 10)).isInstanceOf(IOException.class);
    }

    private static String text(byte[] buf, int n) {
        assertThat(n).isPositive();
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }
}
