package dev.hako.oci;

import dev.hako.config.HandlerConfig;
import dev.hako.sys.ProcCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;

/**
 * {@code runc start} without running runc: what the command itself does for a created container
 * (runc 1.x, libcontainer's {@code exec()}), done here so StartContainer does not pay for starting
 * the runc binary (about 14 ms here, most of a start).
 *
 * <p>runc's init process waits in {@code open(<root>/<id>/exec.fifo, O_WRONLY)} until someone opens
 * the fifo for reading; it then writes one byte and execs the container's process, which closes its
 * end. Starting is reading that byte until end-of-file, then deleting the fifo (whose absence is what
 * makes {@code runc state} say "running"). Poststart hooks are not run: Hako's specs have none.
 *
 * <p>Only for a handler that is runc with a known root, and only while the fifo is there and the
 * init process is alive: {@link #start} returns false whenever anything is not as expected (another
 * runtime, already started, init gone, nothing read), and the caller runs {@code runc start}, whose
 * answer (and error text) is then the runtime's own.
 */
final class RuncStart {
    static final String EXEC_FIFO = "exec.fifo";
    private static final int POLL_MILLIS = 100;

    private RuncStart() {}

    /** Whether {@code handler} runs runc with an explicit state root, where the exec fifo can be found. */
    static boolean applies(HandlerConfig handler) {
        return handler.root() != null && handler.path().getFileName() != null
                && handler.path().getFileName().toString().equals("runc");
    }

    /**
     * Starts created container {@code id} whose init process is {@code initPid}; true once it runs, false
     * when the caller should ask runc instead (nothing has been changed then).
     */
    static boolean start(HandlerConfig handler, String id, int initPid, Duration timeout) throws IOException {
        if (initPid <= 0 || id.isEmpty() || id.contains("/") || id.startsWith(".")) {
            return false;
        }
        Path fifo = handler.root().resolve(id).resolve(EXEC_FIFO);
        try {
            if (!Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
                return false;
            }
        } catch (NoSuchFileException e) {
            return false; // started already, or not runc's layout
        }
        int fd = ProcCalls.open(fifo, ProcCalls.O_RDONLY | ProcCalls.O_NONBLOCK);
        boolean got = false;
        try {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                int ev = ProcCalls.poll(fd, ProcCalls.POLLIN, POLL_MILLIS);
                if (ev == 0) {
                    // the init process never wrote (it died before start): runc says why
                    if (!got && (!alive(initPid) || System.nanoTime() > deadline)) {
                        return false;
                    }
                    if (got && System.nanoTime() > deadline) {
                        break; // it was told to go; its exec is just slow
                    }
                    continue;
                }
                byte[] chunk = ProcCalls.read(fd, 64);
                if (chunk == null) {
                    continue;
                }
                if (chunk.length == 0) {
                    if (!got) {
                        return false; // the writer left without a word
                    }
                    break; // end of file: the init process has exec'd the container's process
                }
                got = true;
            }
        } finally {
            ProcCalls.close(fd);
        }
        Files.deleteIfExists(fifo);
        return true;
    }

    /** Whether {@code pid} exists and is not a zombie. */
    private static boolean alive(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            int close = stat.lastIndexOf(')');
            return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
