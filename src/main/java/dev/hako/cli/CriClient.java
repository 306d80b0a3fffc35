package dev.hako.cli;

import dev.hako.admin.v1.AdminGrpc;
import dev.hako.cri.v1.ImageServiceGrpc;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A short-lived gRPC connection to a Hako (or any CRI) socket, for the client subcommands. */
final class CriClient implements AutoCloseable {
    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final ManagedChannel channel;

    CriClient(Path socket) {
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(loop)
                .withOption(ChannelOption.SO_KEEPALIVE, null)
                .usePlaintext()
                .build();
    }

    RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return runtime(Duration.ofSeconds(10));
    }

    /** For calls that may take longer by design: a stop with a grace period, an exec with a timeout. */
    RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime(Duration deadline) {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** For streams that last until the user stops them ({@code hako events}): no deadline. */
    RuntimeServiceGrpc.RuntimeServiceBlockingStub following() {
        return RuntimeServiceGrpc.newBlockingStub(channel);
    }

    /** Image calls can move gigabytes: no deadline, Ctrl-C ends them. */
    ImageServiceGrpc.ImageServiceBlockingStub image() {
        return ImageServiceGrpc.newBlockingStub(channel);
    }

    AdminGrpc.AdminBlockingStub admin() {
        return AdminGrpc.newBlockingStub(channel);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }
}
