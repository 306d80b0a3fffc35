package dev.hako.stream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** A backend that runs commands as host processes and forwards to host ports: real I/O, no protocol mocks. */
final class HostProcessBackend implements StreamBackend {
    final List<TerminalSize> resizes = new CopyOnWriteArrayList<>();
    final CountDownLatch started = new CountDownLatch(1);
    final CountDownLatch killed = new CountDownLatch(1);
    final CountDownLatch firstResize = new CountDownLatch(1);
    final CountDownLatch exited = new CountDownLatch(1);
    volatile List<String> lastCommand;

    @Override
    public int exec(String containerId, List<String> cmd, SessionIo io) throws Exception {
        if (cmd.isEmpty() || cmd.getFirst().equals("no-such-command")) {
            throw new IOException("executable file not found in $PATH");
        }
        lastCommand = cmd;
        Process p = new ProcessBuilder(cmd).start();
        started.countDown();
        Thread resizeWatcher = io.tty() ? Thread.ofVirtual().start(() -> {
            try {
                TerminalSize s;
                while ((s = io.nextResize()) != null) {
                    resizes.add(s);
                    firstResize.countDown();
                }
            } catch (InterruptedException ignored) {
                // session over
            }
        }) : null;
        Thread in = Thread.ofVirtual().start(() -> copyThenClose(io.stdin(), p.getOutputStream()));
        Thread out = Thread.ofVirtual().start(() -> copy(p.getInputStream(), io.stdout()));
        Thread err = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), io.stderr()));
        try {
            int code = p.waitFor();
            exited.countDown();
            out.join();
            err.join();
            return code;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            killed.countDown();
            throw e;
        } finally {
            in.interrupt();
            if (resizeWatcher != null) {
                resizeWatcher.interrupt();
            }
        }
    }

    @Override
    public void attach(String containerId, SessionIo io) throws Exception {
        exec(containerId, List.of("cat"), io);
    }

    @Override
    public SocketChannel portForward(String podId, int port) throws IOException {
        return SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
    }

    private static void copyThenClose(InputStream from, OutputStream to) {
        try (to) {
            if (from != null) {
                // Process streams are buffered: flush each chunk so line-at-a-time programs see it now
                byte[] buf = new byte[8192];
                int n;
                while ((n = from.read(buf)) >= 0) {
                    to.write(buf, 0, n);
                    to.flush();
                }
            }
        } catch (IOException ignored) {
            // process gone or client gone
        }
    }

    private static void copy(InputStream from, OutputStream to) {
        try {
            byte[] buf = new byte[8192];
            int n;
            while ((n = from.read(buf)) >= 0) {
                if (to != null) {
                    to.write(buf, 0, n);
                    to.flush();
                }
            }
        } catch (IOException ignored) {
            // the client went away; the session thread kills the process
        }
    }
}
