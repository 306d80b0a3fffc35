package dev.hako.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.cri.v1.VersionRequest;
import dev.hako.sys.ThreadPriority;
import io.grpc.ManagedChannel;
import dev.hako.cri.v1.VersionResponse;
import io.grpc.stub.StreamObserver;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AfterStartTest {
    @TempDir
    Path dir;

    @Test
    void backgroundWorkWaitsForTheFirstAnsweredCallAndRunsAtLowPriority() throws Exception {
        AfterStart afterStart = new AfterStart(TimeUnit.MINUTES.toMillis(10));
        Path socket = dir.resolve("cri.sock");
        CriSocketServer server = CriSocketServer.bind(socket, afterStart);
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop)
                .withOption(ChannelOption.SO_KEEPALIVE, null).usePlaintext().build();
        try {
            server.publish(List.of(new RuntimeServiceGrpc.RuntimeServiceImplBase() {
                @Override
                public void version(VersionRequest request, StreamObserver<VersionResponse> response) {
                    response.onNext(VersionResponse.newBuilder().setRuntimeName("test").build());
                    response.onCompleted();
                }
            }.bindService()));
            CountDownLatch first = new CountDownLatch(1);
            CompletableFuture<Integer> niceOfSecond = new CompletableFuture<>();
            afterStart.run(List.of(first::countDown, () -> {
                try {
                    niceOfSecond.complete(ThreadPriority.currentNice());
                } catch (Exception e) {
                    niceOfSecond.completeExceptionally(e);
                }
            }));
            assertFalse(first.await(300, TimeUnit.MILLISECONDS), "ran before any call was answered");

            assertEquals("test", RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .version(VersionRequest.getDefaultInstance()).getRuntimeName());

            assertTrue(first.await(30, TimeUnit.SECONDS), "did not run after the first answered call");
            assertTrue(niceOfSecond.get(30, TimeUnit.SECONDS) >= AfterStart.NICE, "not at a low CPU priority");
        } finally {
            channel.shutdownNow();
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            server.close();
        }
        assertFalse(Files.exists(socket));
    }

    @Test
    void withoutCallsItStartsAfterTheQuietPeriod() throws Exception {
        AfterStart afterStart = new AfterStart(50);
        CountDownLatch ran = new CountDownLatch(1);
        afterStart.run(List.of(() -> {
            throw new IllegalStateException("one failing job does not stop the next");
        }, ran::countDown));
        assertTrue(ran.await(30, TimeUnit.SECONDS));
    }
}
