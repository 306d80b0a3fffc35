package dev.hako.daemon;

import dev.hako.cri.CallLog;
import dev.hako.cri.CallMetrics;
import dev.hako.cri.CallTracing;
import dev.hako.log.Log;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.HandlerRegistry;
import io.grpc.ServerMethodDefinition;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server on the CRI unix socket: netty's native epoll transport, each call on its own
 * virtual thread so a slow RPC never holds up the kubelet's status polling.
 */
final class CriSocketServer implements AutoCloseable {
    private static final Log LOG = Log.of("daemon");
    /** The kubelet's own limit for CRI messages (ListContainers on a busy node can be large). */
    private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path socket;
    private final EventLoopGroup loops;
    private final ExecutorService calls;
    private final Server server;
    private final LateRegistry registry;

    private CriSocketServer(Path socket, EventLoopGroup loops, ExecutorService calls, Server server,
                            LateRegistry registry) {
        this.socket = socket;
        this.loops = loops;
        this.calls = calls;
        this.server = server;
        this.registry = registry;
    }

    /**
     * Replaces a stale socket file and starts serving on a hidden path next to {@code socket}, with no
     * services yet: netty and gRPC start on another thread while the daemon opens its store, and the
     * kubelet cannot reach the socket before {@link #publish} has registered the services and renamed
     * the socket into place (rename(2) is atomic, so a client sees either nothing or a ready server).
     */
    static CriSocketServer bind(Path socket, ServerInterceptor afterStart) throws StartupException {
        removeStaleSocket(socket);
        Path hidden = hiddenPath(socket);
        try {
            Files.deleteIfExists(hidden); // left by a daemon killed during start-up; we hold the socket lock
        } catch (IOException e) {
            throw new StartupException(StartupException.FAILURE, "cannot remove " + hidden + ": " + e.getMessage());
        }
        // one I/O thread is plenty for a local socket: the calls themselves run on virtual threads
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
        LateRegistry registry = new LateRegistry();
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(hidden.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(loops)
                .workerEventLoopGroup(loops)
                .executor(calls)
                .fallbackHandlerRegistry(registry)
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                // unix sockets have no keepalive; without this grpc logs an "unknown channel option" warning
                .withChildOption(ChannelOption.SO_KEEPALIVE, null)
                .intercept(new CallTracing()) // innermost: its phase is current while the handler runs
                .intercept(new CallLog())
                .intercept(new CallMetrics())
                .intercept(afterStart);
        Server server;
        try {
            server = builder.build().start();
            Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("rw-rw----"));
        } catch (IOException e) {
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            calls.shutdownNow();
            throw new StartupException(StartupException.FAILURE, "cannot serve on " + socket + ": " + e.getMessage());
        }
        return new CriSocketServer(socket, loops, calls, server, registry);
    }

    /** Registers the CRI services and moves the socket to its configured path; from here calls arrive. */
    void publish(List<ServerServiceDefinition> services) throws StartupException {
        services.forEach(registry::add);
        try {
            Files.move(hiddenPath(socket), socket, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            close();
            throw new StartupException(StartupException.FAILURE, "cannot serve on " + socket + ": " + e.getMessage());
        }
    }

    private static Path hiddenPath(Path socket) {
        return socket.resolveSibling("." + socket.getFileName() + ".starting");
    }

    /**
     * A socket file left by a daemon that died is replaced; one a live process still answers on is not,
     * and neither is anything at that path that is not a socket.
     */
    private static void removeStaleSocket(Path socket) throws StartupException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK) {
                throw new StartupException(StartupException.FAILURE,
                        "socket path " + socket + " exists and is not a socket; remove it or configure another socket");
            }
            try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                probe.connect(UnixDomainSocketAddress.of(socket));
                throw new StartupException(StartupException.FAILURE,
                        "another process is already serving on " + socket + "; stop it first or configure another socket");
            } catch (ConnectException refused) {
                Files.delete(socket);
                LOG.info("replaced stale socket", "socket", socket);
            }
        } catch (IOException e) {
            throw new StartupException(StartupException.FAILURE, "cannot check existing socket " + socket + ": " + e.getMessage());
        }
    }

    /** Stops accepting calls, lets running ones finish within {@code graceMillis}, then cancels the rest. */
    void shutdown(long graceMillis) {
        server.shutdown();
        try {
            if (!server.awaitTermination(graceMillis, TimeUnit.MILLISECONDS)) {
                LOG.warn("calls still running after the grace period; cancelling them", "grace_ms", graceMillis);
                server.shutdownNow();
                server.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        close();
    }

    @Override
    public void close() {
        server.shutdownNow();
        calls.shutdownNow();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(socket);
            Files.deleteIfExists(hiddenPath(socket));
        } catch (IOException e) {
            LOG.warn("cannot remove the socket at shutdown; remove it by hand if no daemon uses it", "socket", socket,
                    "error", Log.cause(e));
        }
    }

    /** The services, filled in by {@link #publish} after the server is already listening on its hidden path. */
    private static final class LateRegistry extends HandlerRegistry {
        private final Map<String, ServerMethodDefinition<?, ?>> methods = new ConcurrentHashMap<>();

        void add(ServerServiceDefinition service) {
            service.getMethods().forEach(m -> methods.put(m.getMethodDescriptor().getFullMethodName(), m));
        }

        @Override
        public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
            return methods.get(methodName);
        }
    }
}
