package dev.hako.stream;

import java.io.InputStream;
import java.io.OutputStream;

/** One remotecommand session's I/O, whatever the protocol. */
public interface SessionIo {
    boolean tty();

    /** null when stdin was not requested; read() returns -1 once the client closed stdin or left. */
    InputStream stdin();

    /** null when not requested; writes block while the client is slow (back-pressure, bounded buffers). */
    OutputStream stdout();

    /** null when not requested, and always null with tty (a terminal has one output stream). */
    OutputStream stderr();

    /** Blocks until the client sends a terminal size; null once the session has ended. */
    TerminalSize nextResize() throws InterruptedException;
}
