package dev.hako.stream;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/** The SessionIo handed to the backend: protocol handlers feed it, the session thread drains it. */
final class RemoteCommandSession implements SessionIo {
    private static final TerminalSize ENDED = new TerminalSize(-1, -1);

    private final boolean tty;
    private final InboundPipe stdin;
    private final FrameOutputStream stdout;
    private final FrameOutputStream stderr;
    // only the latest size matters, so a full queue drops its oldest entry instead of growing
    private final BlockingQueue<TerminalSize> resizes = new ArrayBlockingQueue<>(8);
    private volatile boolean ended;
    private volatile Thread thread;

    RemoteCommandSession(boolean tty, InboundPipe stdin, FrameOutputStream stdout, FrameOutputStream stderr) {
        this.tty = tty;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = tty ? null : stderr;
    }

    @Override
    public boolean tty() {
        return tty;
    }

    @Override
    public InputStream stdin() {
        return stdin;
    }

    @Override
    public OutputStream stdout() {
        return stdout;
    }

    @Override
    public OutputStream stderr() {
        return stderr;
    }

    @Override
    public TerminalSize nextResize() throws InterruptedException {
        if (ended) {
            return null;
        }
        TerminalSize next = resizes.take();
        if (next == ENDED) {
            resizes.offer(ENDED);
            return null;
        }
        return next;
    }

    void resize(TerminalSize size) {
        if (ended) {
            return;
        }
        while (!resizes.offer(size)) {
            resizes.poll();
        }
    }

    void runOn(Thread t) {
        thread = t;
    }

    /** The session finished normally: wake a resize waiter. */
    void end() {
        ended = true;
        resizes.clear();
        resizes.offer(ENDED);
    }

    /** The client left: interrupt the backend and close its streams so it kills the process. */
    void abort() {
        end();
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
        closeQuietly(stdin);
        closeQuietly(stdout);
        closeQuietly(stderr);
    }

    private static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing left to tell anyone
            }
        }
    }
}
