package dev.hako.daemon;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The CRI server being bound on its own platform thread while the daemon opens its store and
 * recovers (netty's and gRPC's start-up is mostly class initialisation, so on a node with two or more
 * CPUs this takes it off the path to readiness). Closing it stops a server that was never claimed.
 */
final class PendingServer implements AutoCloseable {
    private final CompletableFuture<CriSocketServer> binding = new CompletableFuture<>();
    private boolean claimed;

    private PendingServer() {}

    static PendingServer bind(Path socket, io.grpc.ServerInterceptor afterStart) {
        PendingServer pending = new PendingServer();
        Thread.ofPlatform().name("cri-bind").daemon().start(() -> {
            try {
                pending.binding.complete(CriSocketServer.bind(socket, afterStart));
            } catch (StartupException | RuntimeException e) {
                pending.binding.completeExceptionally(e);
            }
        });
        return pending;
    }

    /** The bound server, once; a bind failure surfaces here as the start-up error it was. */
    CriSocketServer await() throws StartupException {
        try {
            CriSocketServer server = binding.join();
            claimed = true;
            return server;
        } catch (CompletionException e) {
            if (e.getCause() instanceof StartupException s) {
                throw s;
            }
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    @Override
    public void close() {
        if (!claimed) {
            try {
                binding.join().close();
            } catch (CompletionException e) {
                // nothing was bound
            }
        }
    }
}
