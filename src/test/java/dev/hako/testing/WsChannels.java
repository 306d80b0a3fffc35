package dev.hako.testing;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * A minimal client of Kubernetes' channel WebSocket protocols ({@code v4.channel.k8s.io} and its kin), built
 * on the JDK's WebSocket: every binary frame starts with its channel byte (0 stdin, 1 stdout, 2 stderr,
 * 3 error, 4 resize); the base64 protocols send text frames, the channel as a digit before base64 data.
 * Collects what arrives per channel until the server closes.
 */
public final class WsChannels implements WebSocket.Listener, AutoCloseable {
    private final Map<Integer, ByteArrayOutputStream> received = new ConcurrentHashMap<>();
    private final List<byte[]> messages = new ArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final StringBuilder partialText = new StringBuilder();
    private final boolean base64;
    private final HttpClient http;
    private WebSocket socket;

    private WsChannels(boolean base64, SSLContext ssl) {
        this.base64 = base64;
        HttpClient.Builder b = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY);
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.http = b.build();
    }

    public static WsChannels connect(String url, String protocol) throws Exception {
        return connect(url, protocol, null);
    }

    /** {@code ssl}: the context a wss:// server is trusted with, or null for ws://. */
    public static WsChannels connect(String url, String protocol, SSLContext ssl) throws Exception {
        WsChannels c = new WsChannels(protocol.contains("base64"), ssl);
        c.socket = c.http.newWebSocketBuilder().subprotocols(protocol).connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create(url.replaceFirst("^http", "ws")), c).get(10, TimeUnit.SECONDS);
        return c;
    }

    /** The subprotocol the server chose. */
    public String protocol() {
        return socket.getSubprotocol();
    }

    public void send(int channel, byte[] data) throws Exception {
        if (base64) {
            socket.sendText((char) ('0' + channel) + Base64.getEncoder().encodeToString(data), true).get(10, TimeUnit.SECONDS);
            return;
        }
        ByteBuffer b = ByteBuffer.allocate(data.length + 1);
        b.put((byte) channel).put(data).flip();
        socket.sendBinary(b, true).get(10, TimeUnit.SECONDS);
    }

    public void send(int channel, String text) throws Exception {
        send(channel, text.getBytes(StandardCharsets.UTF_8));
    }

    /** One binary frame of exactly these bytes, channel byte included. */
    public void sendRaw(byte... bytes) throws Exception {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
    }

    public void resize(int width, int height) throws Exception {
        send(4, "{\"Width\":" + width + ",\"Height\":" + height + "}");
    }

    public synchronized String text(int channel) {
        ByteArrayOutputStream b = received.get(channel);
        return b == null ? "" : b.toString(StandardCharsets.UTF_8);
    }

    /** Every message so far in arrival order, as channel byte plus payload, for checks on the first frames. */
    public synchronized List<byte[]> messages() {
        return List.copyOf(messages);
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
        partial.writeBytes(bytes);
        if (last) {
            deliver(partial.toByteArray());
            partial.reset();
        }
        ws.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        partialText.append(data);
        if (last) {
            String t = partialText.toString();
            partialText.setLength(0);
            byte[] payload = Base64.getDecoder().decode(t.substring(1));
            byte[] message = new byte[payload.length + 1];
            message[0] = (byte) (t.charAt(0) - '0');
            System.arraycopy(payload, 0, message, 1, payload.length);
            deliver(message);
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
        http.close();
    }

    /** An empty frame carries no channel and is dropped. */
    private synchronized void deliver(byte[] message) {
        if (message.length == 0) {
            return;
        }
        messages.add(message);
        received.computeIfAbsent(message[0] & 0xff, k -> new ByteArrayOutputStream()).write(message, 1, message.length - 1);
    }
}
