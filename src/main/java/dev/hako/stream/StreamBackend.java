package dev.hako.stream;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.List;

/** What the server needs from the rest of Hako (implemented elsewhere, in the container package). */
public interface StreamBackend {
    /** Runs cmd in the container and returns its exit code; blocks until the process ends. When the
     *  client goes away the calling thread is interrupted and the io streams are closed: the
     *  implementation then kills the process. Throw an exception (its message is shown to the user) when it cannot run. */
    int exec(String containerId, List<String> cmd, SessionIo io) throws Exception;

    /** Attaches to the container's main process until it exits or the client detaches. */
    void attach(String containerId, SessionIo io) throws Exception;

    /** A connected TCP channel to localhost:port inside the pod's network namespace. */
    SocketChannel portForward(String podId, int port) throws IOException;
}
