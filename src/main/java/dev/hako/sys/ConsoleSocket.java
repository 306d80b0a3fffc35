package dev.hako.sys;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The listening end of {@code runc exec --tty --console-socket PATH} (runsc and crun speak the same
 * protocol): the runtime connects once and passes the pty master as SCM_RIGHTS, which Java's own
 * channels cannot receive. The path may exceed {@code sun_path} here, but runc itself dials it with
 * a plain {@code connect} and fails beyond 107 bytes, so give it a short directory.
 */
public final class ConsoleSocket implements AutoCloseable {
    private static final int SLICE_MILLIS = 100;

    private final Path path;
    private final FdRef fd;
    private boolean closed;

    private ConsoleSocket(Path path, FdRef fd) {
        this.path = path;
        this.fd = fd;
    }

    /** Creates, binds and listens on a stream socket at {@code path}, which must not exist yet. */
    public static ConsoleSocket listen(Path path) throws IOException {
        int fd = SocketCalls.socket(SocketCalls.SOCK_STREAM | SocketCalls.SOCK_NONBLOCK);
        try {
            SocketCalls.bind(fd, path);
        } catch (IOException | RuntimeException e) {
            ProcCalls.close(fd);
            throw e;
        }
        try {
            SocketCalls.listen(fd, 4);
        } catch (IOException | RuntimeException e) {
            ProcCalls.close(fd);
            Files.deleteIfExists(path);
            throw e;
        }
        return new ConsoleSocket(path, new FdRef(fd));
    }

    public Path path() {
        return path;
    }

    /**
     * Accepts one connection and receives the descriptor passed over it (close-on-exec; the caller
     * owns it). Throws {@link SocketTimeoutException} when none arrived within {@code timeout}, and
     * {@link InterruptedIOException} when the thread is interrupted meanwhile.
     */
    public int receive(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int listener = fd.acquire();
        try {
            int conn = -1;
            while (conn < 0) {
                waitFor(listener, deadline, "no runtime connected");
                conn = SocketCalls.accept(listener);
            }
            try {
                while (true) {
                    waitFor(conn, deadline, "the runtime connected but sent no descriptor");
                    int received = SocketCalls.receiveFd(conn);
                    if (received >= 0) {
                        return received;
                    }
                }
            } finally {
                ProcCalls.close(conn);
            }
        } finally {
            fd.release();
        }
    }

    /** Closes the socket and removes its file. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        fd.disown();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // a leftover file only makes a later listen on the same path fail with EADDRINUSE
        }
    }

    /** Polls {@code f} for input in short slices until {@code deadline}, so interrupts and close are noticed. */
    private void waitFor(int f, long deadline, String what) throws IOException {
        while (true) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedIOException(path + ": interrupted while waiting: " + what + " yet");
            }
            if (!fd.isOpen()) {
                throw new IOException(path + " was closed while waiting: " + what + " yet");
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new SocketTimeoutException(path + ": " + what + " in time");
            }
            int slice = (int) Math.min(SLICE_MILLIS, Math.max(1, left / 1_000_000));
            if (ProcCalls.poll(f, ProcCalls.POLLIN, slice) != 0) {
                return;
            }
        }
    }
}
