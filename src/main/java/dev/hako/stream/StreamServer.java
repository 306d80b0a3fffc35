package dev.hako.stream;

import dev.hako.config.StreamSettings;
import dev.hako.log.Log;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The exec/attach/port-forward endpoint the kubelet sends clients to. CRI calls get a single-use URL from
 * {@link #execUrl}, {@link #attachUrl} or {@link #portForwardUrl}; the client then upgrades to SPDY/3.1 or
 * WebSocket on that URL and speaks Kubernetes' streaming protocols.
 */
public final class StreamServer implements AutoCloseable {
    private static final Log LOG = Log.of("stream");
    static final Duration TOKEN_TTL = Duration.ofMinutes(1);

    private final StreamSettings settings;
    private final StreamBackend backend;
    private final TokenStore tokens;
    private final Semaphore sessions;
    // open connections, closed on shutdown so their sessions end and their processes are killed
    private final ChannelGroup connections = new DefaultChannelGroup("stream-connections", GlobalEventExecutor.INSTANCE);
    private SslContext ssl;
    private ServerSocketChannel bound; // bound at start; netty takes it over on the first connection
    private boolean closed;
    private EventLoopGroup group;
    private Channel listener;
    private InetSocketAddress address;

    public StreamServer(StreamSettings settings, StreamBackend backend) {
        this(settings, backend, TOKEN_TTL);
    }

    /** Tests shorten the token lifetime to see expiry without waiting a minute. */
    StreamServer(StreamSettings settings, StreamBackend backend, Duration tokenTtl) {
        this.settings = Objects.requireNonNull(settings);
        this.backend = Objects.requireNonNull(backend);
        this.tokens = new TokenStore(tokenTtl);
        this.sessions = new Semaphore(settings.maxSessions());
    }

    /**
     * Binds the address (a taken port or a bad certificate fails here, at daemon start) but leaves
     * netty's event loops, HTTP codecs and their classes for the first connection: most nodes rarely
     * exec, and the daemon starts sooner and stays smaller without them.
     */
    /**
     * The kernel's accept-queue limit, read here rather than through netty's NetUtil, whose class
     * initialiser also enumerates every network interface (tens of ms at daemon start).
     */
    static int listenBacklog() {
        try {
            return Integer.parseInt(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/net/core/somaxconn")).trim());
        } catch (IOException | NumberFormatException e) {
            return 4096;
        }
    }

    public synchronized StreamServer start() throws IOException {
        if (bound != null) {
            throw new IllegalStateException("stream server already started");
        }
        ssl = settings.tls() ? sslContext() : null;
        ServerSocketChannel channel = ServerSocketChannel.open();
        try {
            channel.bind(new InetSocketAddress(settings.address(), settings.port()), listenBacklog());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new IOException("cannot listen on " + settings.address() + ":" + settings.port() + ": " + e.getMessage(), e);
        }
        bound = channel;
        address = (InetSocketAddress) channel.getLocalAddress();
        Thread.ofVirtual().name("stream-first-accept").start(this::awaitFirstConnection);
        LOG.info("stream server listening", "address", address.getAddress().getHostAddress(), "port", address.getPort(),
                "tls", settings.tls(), "max_sessions", settings.maxSessions());
        return this;
    }

    /** Blocks for the first connection, then hands the listening socket and that connection to netty. */
    private void awaitFirstConnection() {
        SocketChannel first;
        try {
            first = bound.accept();
        } catch (IOException e) {
            return; // closed before anyone connected
        }
        try {
            serve(first);
        } catch (RuntimeException e) {
            LOG.warn("cannot start serving streams; exec, attach and port-forward fail until the daemon is restarted", "error", Log.cause(e));
            closeQuietly(first);
        }
    }

    private synchronized void serve(SocketChannel first) {
        if (closed) {
            closeQuietly(first);
            return;
        }
        ServerBootstrap b = bootstrap();
        ServerSocketChannel channel = bound;
        listener = b.channelFactory(() -> new NioServerSocketChannel(channel)).register().syncUninterruptibly().channel();
        // as if netty had accepted it itself: through the acceptor into a child pipeline
        Channel parent = listener;
        parent.eventLoop().execute(() -> {
            parent.pipeline().fireChannelRead(new NioSocketChannel(parent, first));
            parent.pipeline().fireChannelReadComplete();
        });
        LOG.debug("stream server started serving", "address", address);
    }

    /** Creates the event loops and the pipeline set-up for accepted connections. */
    private ServerBootstrap bootstrap() {
        long idleMillis = settings.idleTimeout().toMillis();
        SessionLimits limits = new SessionLimits(sessions, settings.maxSessions());
        RequestDeadline.Pending pending = new RequestDeadline.Pending(settings.maxPendingConnections());
        SslContext ssl = this.ssl;
        group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        return new ServerBootstrap()
                .group(group)
                .childHandler(new ChannelInitializer<io.netty.channel.socket.SocketChannel>() {
                    @Override
                    protected void initChannel(io.netty.channel.socket.SocketChannel ch) {
                        if (!pending.enter()) {
                            LOG.warn("stream connection refused: too many connections without a request yet",
                                    "max_pending_connections", pending.max());
                            ch.pipeline().addLast("refuse", new RequestDeadline.Refuse());
                            return;
                        }
                        connections.add(ch);
                        if (ssl != null) {
                            ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS));
                        ch.pipeline().addLast("idle-close", new IdleCloser());
                        ch.pipeline().addLast("http", new HttpServerCodec());
                        ch.pipeline().addLast("http-aggregate", new HttpObjectAggregator(64 * 1024));
                        // its clock starts now, so it also covers the TLS handshake; it sees the request once decoded
                        ch.pipeline().addLast("request-deadline", new RequestDeadline(pending, settings.requestTimeout()));
                        ch.pipeline().addLast("route", new RequestRouter(tokens, limits, backend));
                    }
                });
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // nothing left to do with it
        }
    }

    private SslContext sslContext() throws IOException {
        try {
            return SslContextBuilder.forServer(settings.tlsCert().toFile(), settings.tlsKey().toFile())
                    .sslProvider(SslProvider.JDK)
                    .build();
        } catch (Exception e) {
            throw new IOException("cannot load the stream server's TLS certificate " + settings.tlsCert() + " and key "
                    + settings.tlsKey() + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        if (address == null) {
            throw new IllegalStateException("stream server not started");
        }
        return address;
    }

    public String execUrl(String containerId, List<String> cmd, boolean tty, boolean stdin, boolean stdout, boolean stderr) {
        requireStreams(stdin, stdout, stderr);
        return url(new StreamRequest.Exec(containerId, List.copyOf(cmd), new StreamRequest.Options(tty, stdin, stdout, stderr)));
    }

    public String attachUrl(String containerId, boolean tty, boolean stdin, boolean stdout, boolean stderr) {
        requireStreams(stdin, stdout, stderr);
        return url(new StreamRequest.Attach(containerId, new StreamRequest.Options(tty, stdin, stdout, stderr)));
    }

    public String portForwardUrl(String podId, List<Integer> ports) {
        for (int p : ports) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("port " + p + " is outside 1..65535");
            }
        }
        return url(new StreamRequest.PortForward(podId, List.copyOf(ports)));
    }

    private static void requireStreams(boolean stdin, boolean stdout, boolean stderr) {
        if (!stdin && !stdout && !stderr) {
            throw new IllegalArgumentException("one of stdin, stdout and stderr must be requested");
        }
    }

    private String url(StreamRequest request) {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return (settings.tls() ? "https" : "http") + "://" + host + ":" + a.getPort() + "/" + request.kind() + "/" + tokens.issue(request);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (listener != null) {
            listener.close().awaitUninterruptibly();
            connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
            listener = null;
        } else if (bound != null) {
            closeQuietly(bound); // never served: ends the first-connection wait
        }
    }

    /** The session slots shared by all connections. */
    record SessionLimits(Semaphore slots, int max) {}
}
