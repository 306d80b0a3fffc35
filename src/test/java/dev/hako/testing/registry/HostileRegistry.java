package dev.hako.testing.registry;

import dev.hako.image.spec.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A registry stand-in on 127.0.0.1 written on raw sockets, so it can do what no well-behaved server
 * does: send endless bodies, lie in Content-Length, trickle, redirect anywhere. It speaks just
 * enough of the distribution API (GET of manifests and blobs by exact path; anything else is 404),
 * one request per connection. With a {@link TestCa} it answers TLS and plain HTTP on the same port
 * (it looks at the first byte), which is what a same-host, same-port https→http redirect needs.
 * Every request is recorded with its headers, for assertions about what a client sent where.
 */
public final class HostileRegistry implements AutoCloseable {
    /** A request as received. Header names are lower case. */
    public record Request(String method, String target, Map<String, String> headers, boolean tls) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** Answers one request by writing the raw response; the connection is closed afterwards. */
    @FunctionalInterface
    public interface Handler {
        void handle(Request request, Response response) throws IOException;
    }

    /** The raw response: a status line and headers, then whatever the handler writes. */
    public static final class Response {
        private final OutputStream out;
        private final AtomicLong counter;

        Response(OutputStream out, AtomicLong counter) {
            this.out = out;
            this.counter = counter;
        }

        /** Writes the status line and headers ({@code name, value} pairs) and the blank line. */
        public OutputStream head(int status, String... headers) throws IOException {
            StringBuilder b = new StringBuilder("HTTP/1.1 ").append(status).append(" X\r\n");
            for (int i = 0; i + 1 < headers.length; i += 2) {
                b.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
            }
            b.append("Connection: close\r\n\r\n");
            out.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return body();
        }

        /** The body stream; every byte written counts towards {@link #bodyBytesSent()}. */
        public OutputStream body() {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    counter.incrementAndGet();
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    counter.addAndGet(len);
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }
            };
        }

        /** A complete response with a Content-Length. */
        public void send(int status, String contentType, byte[] body, String... headers) throws IOException {
            String[] all = new String[headers.length + 4];
            all[0] = "Content-Type";
            all[1] = contentType;
            all[2] = "Content-Length";
            all[3] = Long.toString(body.length);
            System.arraycopy(headers, 0, all, 4, headers.length);
            head(status, all).write(body);
            out.flush();
        }
    }

    private final ServerSocket server;
    private final SSLContext tls;
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong bodyBytes = new AtomicLong();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private HostileRegistry(TestCa ca) throws IOException {
        this.tls = ca == null ? null : serverContext(ca);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("hostile-registry").start(this::accept);
    }

    /** Plain HTTP only (a TLS hello gets the connection closed). */
    public static HostileRegistry plain() {
        return start(null);
    }

    /** TLS with a certificate for 127.0.0.1 from {@code ca}, and plain HTTP on the same port. */
    public static HostileRegistry tls(TestCa ca) {
        return start(ca);
    }

    private static HostileRegistry start(TestCa ca) {
        try {
            return new HostileRegistry(ca);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String host() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    public URI baseUri() {
        return URI.create((tls != null ? "https" : "http") + "://" + host());
    }

    /** Answers GET {@code path} (exact, without query) with {@code handler}. */
    public HostileRegistry on(String path, Handler handler) {
        routes.put(path, handler);
        return this;
    }

    /** Serves a manifest under {@code /v2/<repo>/manifests/<reference>} with its media type. */
    public HostileRegistry manifest(String repo, String reference, String mediaType, byte[] body) {
        return on("/v2/" + repo + "/manifests/" + reference, (q, r) -> r.send(200, mediaType, body,
                "Docker-Content-Digest", Digest.sha256(body).toString()));
    }

    /** Serves a blob well. */
    public HostileRegistry blob(String repo, byte[] body) {
        return blob(repo, Digest.sha256(body), (q, r) -> r.send(200, "application/octet-stream", body));
    }

    /** Serves the blob {@code digest} with {@code handler}. */
    public HostileRegistry blob(String repo, Digest digest, Handler handler) {
        return on("/v2/" + repo + "/blobs/" + digest, handler);
    }

    /** Every request received so far, in order. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Body bytes handlers wrote (and the socket accepted) so far. */
    public long bodyBytesSent() {
        return bodyBytes.get();
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private void accept() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            open.add(s);
            Thread.ofVirtual().name("hostile-conn").start(() -> {
                try (s) {
                    serve(s);
                } catch (IOException e) {
                    // the client went away (as clients of this server should)
                } finally {
                    open.remove(s);
                }
            });
        }
    }

    private void serve(Socket raw) throws IOException {
        InputStream rawIn = raw.getInputStream();
        int first = rawIn.read();
        if (first < 0) {
            return;
        }
        byte[] consumed = {(byte) first};
        InputStream in;
        OutputStream out;
        boolean isTls = first == 0x16;
        if (isTls) {
            if (tls == null) {
                return;
            }
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, new ByteArrayInputStream(consumed), true);
            s.setUseClientMode(false);
            s.startHandshake();
            in = s.getInputStream();
            out = s.getOutputStream();
        } else {
            in = new SequenceInputStream(new ByteArrayInputStream(consumed), rawIn);
            out = raw.getOutputStream();
        }
        Request req = readRequest(in, isTls);
        if (req == null) {
            return;
        }
        requests.add(req);
        String path = req.target().split("\\?", 2)[0];
        Handler h = req.method().equals("GET") ? routes.get(path) : null;
        Response response = new Response(out, bodyBytes);
        if (h == null) {
            response.send(404, "application/json",
                    "{\"errors\":[{\"code\":\"NOT_FOUND\",\"message\":\"not here\"}]}".getBytes(StandardCharsets.UTF_8));
        } else {
            h.handle(req, response);
        }
        out.flush();
    }

    /** The request line and headers, or null when they are not HTTP (or longer than 64 KiB). */
    private static Request readRequest(InputStream in, boolean isTls) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0 || head.size() > 64 * 1024) {
                return null;
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] requestLine = lines[0].split(" ");
        if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/")) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
            }
        }
        return new Request(requestLine[0], requestLine[1], Map.copyOf(headers), isTls);
    }

    private static SSLContext serverContext(TestCa ca) {
        try {
            TestCa.Issued cert = ca.issueServerCert();
            Certificate c = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(cert.certDer()));
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "test".toCharArray();
            ks.setKeyEntry("server", cert.privateKey(), pw, new Certificate[] {c});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for the stand-in registry", e);
        }
    }
}
