package dev.hako.stream;

import dev.hako.log.Log;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * One forwarded connection: bytes from the client's data stream go to the pod's port and back. A failure is
 * reported as text on the request's error stream; the client connection itself stays up for other requests.
 */
final class PortForwarder {
    private static final Log LOG = Log.of("stream");

    private final StreamBackend backend;
    private final String podId;
    private final int port;
    private final InboundPipe fromClient;
    private final FrameOutputStream toClient;
    private final FrameOutputStream errors;
    private volatile SocketChannel socket;
    private volatile boolean aborted;

    PortForwarder(StreamBackend backend, String podId, int port, InboundPipe fromClient, FrameOutputStream toClient, FrameOutputStream errors) {
        this.backend = backend;
        this.podId = podId;
        this.port = port;
        this.fromClient = fromClient;
        this.toClient = toClient;
        this.errors = errors;
    }

    /** Forwards on virtual threads; onDone runs once both directions finished. */
    void start(Runnable onDone) {
        Thread.ofVirtual().name("stream-portforward-" + port).start(() -> {
            try {
                run();
            } finally {
                onDone.run();
            }
        });
    }

    private void run() {
        try {
            socket = backend.portForward(podId, port);
        } catch (IOException | RuntimeException e) {
            reportError("error forwarding port " + port + " to pod " + podId + ": " + e.getMessage());
            fromClient.close();
            toClient.close();
            errors.close();
            return;
        }
        if (aborted) {
            closeSocket();
        }
        Thread upload = Thread.ofVirtual().name("stream-portforward-up-" + port).start(this::upload);
        download();
        // client-go waits for the error stream's end once the pod finished sending, then resets both streams;
        // ending it now (not after the upload) lets the client finish while it still holds its local socket open
        errors.close();
        try {
            upload.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeSocket();
    }

    private void upload() {
        byte[] buf = new byte[FrameOutputStream.CHUNK];
        try {
            int n;
            while ((n = fromClient.read(buf, 0, buf.length)) >= 0) {
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    socket.write(bb);
                }
            }
            socket.shutdownOutput();
        } catch (IOException e) {
            // the pod or the client went away; download notices too
            closeSocket();
        }
    }

    private void download() {
        ByteBuffer bb = ByteBuffer.allocate(FrameOutputStream.CHUNK);
        try {
            while (socket.read(bb) >= 0) {
                bb.flip();
                toClient.write(bb.array(), 0, bb.remaining());
                bb.clear();
            }
        } catch (IOException e) {
            if (!aborted) {
                LOG.debug("port forward ended", "port", port, "error", String.valueOf(e.getMessage()));
            }
        }
        toClient.close();
        // a pod that closed its side has nothing more to say; stop waiting for the client's upload
        if (aborted) {
            fromClient.close();
        }
    }

    private void reportError(String message) {
        LOG.info("port forward failed", "pod", podId, "port", port, "error", message);
        try {
            errors.write(message.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the client is gone as well
        }
    }

    /** The client reset the request or left. */
    void abort() {
        aborted = true;
        fromClient.close();
        closeSocket();
    }

    private void closeSocket() {
        SocketChannel s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }
}
