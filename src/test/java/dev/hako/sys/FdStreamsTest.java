package dev.hako.sys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.testing.TempDirs;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Streams over the two ends of a fifo, and over a pty master. */
class FdStreamsTest {
    private Path dir;
    private int readEnd = -1;
    private int writeEnd = -1;

    @BeforeEach
    void fifo() throws IOException {
        dir = TempDirs.create("hako-fdstreams");
        Path fifo = dir.resolve("fifo");
        ProcCalls.mkfifo(fifo, 0600);
        readEnd = ProcCalls.open(fifo, ProcCalls.O_RDONLY | ProcCalls.O_NONBLOCK);
        writeEnd = ProcCalls.open(fifo, ProcCalls.O_WRONLY);
    }

    @AfterEach
    void cleanUp() {
        TempDirs.delete(dir);
    }

    @Test
    void bytesGoThroughAndTheWritersCloseIsTheEnd() throws Exception {
        InputStream in = FdStreams.input(readEnd);
        try (OutputStream out = FdStreams.output(writeEnd)) {
            out.write("through a fifo".getBytes(StandardCharsets.UTF_8));
            out.write('!');
        }
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("through a fifo!");
        assertThat(in.read()).isEqualTo(-1);
        in.close();
        assertThat(ConsoleSocketTest.fdTarget(readEnd)).doesNotContain("fifo");
    }

    @Test
    void closeEndsABlockedReadPromptly() throws Exception {
        InputStream in = FdStreams.input(readEnd);
        try (OutputStream unused = FdStreams.output(writeEnd)) {
            CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return in.read(new byte[10], 0, 10);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(200);
            assertThat(read).isNotDone();
            long start = System.nanoTime();
            in.close();
            assertThat(read.get(2, TimeUnit.SECONDS)).isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
        }
    }

    @Test
    void anInterruptEndsABlockedReadOnAVirtualThread() throws Exception {
        try (InputStream in = FdStreams.input(readEnd); OutputStream unused = FdStreams.output(writeEnd)) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    in.read(new byte[10], 0, 10);
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            Thread.sleep(200);
            reader.interrupt();
            assertThat(outcome.get(2, TimeUnit.SECONDS)).isInstanceOf(InterruptedIOException.class);
        }
    }

    @Test
    void closeEndsAWriteBlockedOnAFullFifo() throws Exception {
        OutputStream out = FdStreams.output(writeEnd);
        try (InputStream unused = FdStreams.input(readEnd)) {
            CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
                try {
                    out.write(new byte[4 << 20]); // far more than a fifo's buffer
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Thread.sleep(300);
            assertThat(outcome).isNotDone();
            out.close();
            assertThat(outcome.get(2, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
                    .hasMessageContaining("bytes unwritten");
        }
    }

    @Test
    void bothStreamsOverOneFdCloseItOnceAfterTheLast() throws Exception {
        ProcCalls.close(readEnd);
        ProcCalls.close(writeEnd);
        int master = Terminals.openMaster();
        InputStream in = FdStreams.input(master);
        OutputStream out = FdStreams.output(master);
        out.close();
        out.close();
        assertThat(ConsoleSocketTest.fdTarget(master)).contains("ptmx");
        Terminals.resize(master, 10, 20); // still usable
        in.close();
        assertThat(ConsoleSocketTest.fdTarget(master)).doesNotContain("ptmx");
        assertThatThrownBy(() -> out.write(1)).isInstanceOf(IOException.class);
        assertThat(in.read()).isEqualTo(-1);
    }
}
