package dev.hako.testing;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A minimal client of Kubernetes' channel WebSocket protocol ({@code v4.channel.k8s.io}), built on the
 * JDK's WebSocket: every binary frame starts with its channel byte (0 stdin, 1 stdout, 2 stderr,
 * 3 error, 4 resize). Collects what arrives per channel until the server closes.
 */
public final class WsChannels implements WebSocket.Listener, AutoCloseable {
    private final Map<Integer, ByteArrayOutputStream> received = new ConcurrentHashMap<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private WebSocket socket;

    public static WsChannels connect(String url, String protocol) throws Exception {
        WsChannels c = new WsChannels();
        HttpClient client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).build();
        c.socket = client.newWebSocketBuilder().subprotocols(protocol).connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create(url.replaceFirst("^http", "ws")), c).get(10, TimeUnit.SECONDS);
        return c;
    }

    public void send(int channel, byte[] data) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(data.length + 1);
        b.put((byte) channel).put(data).flip();
        socket.sendBinary(b, true).get(10, TimeUnit.SECONDS);
    }

    public void send(int channel, String text) throws Exception {
        send(channel, text.getBytes(StandardCharsets.UTF_8));
    }

    public void resize(int width, int height) throws Exception {
        send(4, "{\"Width\":" + width + ",\"Height\":" + height + "}");
    }

    public String text(int channel) {
        ByteArrayOutputStream b = received.get(channel);
        return b == null ? "" : b.toString(StandardCharsets.UTF_8);
    }

    /** Waits until the server closes the connection; returns false on timeout. */
    public boolean awaitClose(Duration timeout) {
        try {
            closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Polls until {@code channel} has received something containing {@code text}. */
    public boolean await(int channel, String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (text(channel).contains(text)) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        synchronized (partial) {
            partial.writeBytes(bytes);
            if (last) {
                byte[] frame = partial.toByteArray();
                partial.reset();
                if (frame.length > 0) {
                    received.computeIfAbsent(frame[0] & 0xff, k -> new ByteArrayOutputStream())
                            .writeBytes(java.util.Arrays.copyOfRange(frame, 1, frame.length));
                }
            }
        }
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
        closed.complete(status);
        return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
        closed.complete(-1);
    }

    /** Goes away without a goodbye, as a killed client would. */
    public void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "");
        }
        socket.abort();
    }
}
