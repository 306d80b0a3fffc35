package dev.hako.stream;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/** Kubernetes' channel protocol over the JDK's WebSocket client; collects what arrives per channel. */
final class WebSocketTestClient implements AutoCloseable {
    final Map<Integer, ByteArrayOutputStream> received = new ConcurrentHashMap<>();
    /** Every message in arrival order, as channel plus payload, for checks on the first frames. */
    final List<byte[]> messages = new ArrayList<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final boolean base64;
    private final HttpClient http;
    private WebSocket ws;

    private WebSocketTestClient(boolean base64, SSLContext ssl) {
        this.base64 = base64;
        HttpClient.Builder b = HttpClient.newBuilder();
        if (ssl != null) {
            b.sslContext(ssl);
        }
        this.http = b.build();
    }

    static WebSocketTestClient connect(String url, String protocol) throws Exception {
        return connect(url, protocol, null);
    }

    static WebSocketTestClient connect(String url, String protocol, SSLContext ssl) throws Exception {
        WebSocketTestClient c = new WebSocketTestClient(protocol.contains("base64"), ssl);
        URI uri = URI.create(url.replaceFirst("^http", "ws"));
        c.ws = c.http.newWebSocketBuilder().subprotocols(protocol).buildAsync(uri, c.new Listener()).get(10, TimeUnit.SECONDS);
        return c;
    }

    String protocol() {
        return ws.getSubprotocol();
    }

    void send(int channel, String text) throws Exception {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        if (base64) {
            ws.sendText((char) ('0' + channel) + Base64.getEncoder().encodeToString(payload), true).get(10, TimeUnit.SECONDS);
        } else {
            ByteBuffer b = ByteBuffer.allocate(payload.length + 1).put((byte) channel).put(payload).flip();
            ws.sendBinary(b, true).get(10, TimeUnit.SECONDS);
        }
    }

    void sendRaw(byte... bytes) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).get(10, TimeUnit.SECONDS);
    }

    String text(int channel) {
        ByteArrayOutputStream b = received.get(channel);
        synchronized (this) {
            return b == null ? "" : b.toString(StandardCharsets.UTF_8);
        }
    }

    void awaitClose() throws Exception {
        closed.get(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        ws.abort();
        http.close();
    }

    private synchronized void deliver(byte[] message) {
        messages.add(message);
        received.computeIfAbsent(message[0] & 0xff, k -> new ByteArrayOutputStream()).write(message, 1, message.length - 1);
    }

    private final class Listener implements WebSocket.Listener {
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private final StringBuilder partialText = new StringBuilder();

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            partial.writeBytes(bytes);
            if (last) {
                deliver(partial.toByteArray());
                partial.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
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
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }
    }
}
