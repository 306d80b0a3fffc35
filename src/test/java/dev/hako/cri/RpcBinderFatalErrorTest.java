package dev.hako.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.cri.v1.VersionRequest;
import dev.hako.cri.v1.VersionResponse;
import dev.hako.error.FatalErrors;
import dev.hako.error.HakoException;
import dev.hako.testing.TempDirs;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A handler that dies of a fatal Error (out of memory) is not answered INTERNAL with the daemon going
 * on: the fatal handler (in the daemon: log and halt) is called. A stack overflow, a plain failure of
 * one request, is still INTERNAL. Served over a real gRPC server on a unix socket.
 */
class RpcBinderFatalErrorTest {

    @Test
    void fatalErrorsGoToTheFatalHandlerAndOthersBecomeStatuses() throws Exception {
        AtomicReference<Throwable> toThrow = new AtomicReference<>();
        List<String> fatal = new CopyOnWriteArrayList<>();
        RpcBinder binder = new RpcBinder(RuntimeServiceGrpc.getServiceDescriptor(),
                (rpc, e) -> fatal.add(rpc + " " + e.getClass().getSimpleName()));
        binder.unary(RuntimeServiceGrpc.getVersionMethod(), req -> {
            Throwable t = toThrow.get();
            if (t instanceof Error e) {
                throw e;
            }
            if (t instanceof RuntimeException r) {
                throw r;
            }
            return VersionResponse.newBuilder().setVersion("0.1.0").build();
        });
        Path dir = TempDirs.create("hako-binder");
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        var calls = Executors.newVirtualThreadPerTaskExecutor();
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(dir.resolve("s.sock").toString()))
                .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loops).workerEventLoopGroup(loops)
                .withChildOption(ChannelOption.SO_KEEPALIVE, null).executor(calls).addService(binder.build())
                .build().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(dir.resolve("s.sock").toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loops)
                .withOption(ChannelOption.SO_KEEPALIVE, null).usePlaintext().build();
        try {
            var stub = RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
            assertThat(stub.version(VersionRequest.getDefaultInstance()).getVersion()).isEqualTo("0.1.0");

            toThrow.set(new OutOfMemoryError("Java heap space"));
            assertThatThrownBy(() -> stub.version(VersionRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isNotEqualTo(Status.Code.INTERNAL));
            assertThat(fatal).containsExactly("Version OutOfMemoryError");

            // wrapped, as a future or a stream would hand it over
            toThrow.set(new IllegalStateException("native call failed", new InternalError("JVM bug")));
            assertThatThrownBy(() -> stub.version(VersionRequest.getDefaultInstance()));
            assertThat(fatal).containsExactly("Version OutOfMemoryError", "Version InternalError");

            toThrow.set(new StackOverflowError());
            assertThatThrownBy(() -> stub.version(VersionRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
            toThrow.set(HakoException.notFound("no such thing"));
            assertThatThrownBy(() -> stub.version(VersionRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
            assertThat(fatal).hasSize(2);
        } finally {
            channel.shutdownNow();
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            calls.shutdownNow();
            loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            TempDirs.delete(dir);
        }
    }

    /** Run in a child JVM by {@link #haltEndsTheProcessWithExitCode70}: halts from a virtual thread. */
    public static void main(String[] args) throws Exception {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("shutdown hook ran")));
        Thread.ofVirtual().start(() -> FatalErrors.halt("test", new OutOfMemoryError("test"))).join();
        System.out.println("still running");
    }

    @Test
    void haltEndsTheProcessWithExitCode70() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                RpcBinderFatalErrorTest.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(FatalErrors.EXIT_CODE);
        assertThat(out).contains("fatal error").contains("OutOfMemoryError").doesNotContain("still running")
                .doesNotContain("shutdown hook ran");
    }

    @Test
    void onlyStackOverflowsAmongErrorsAreNotFatal() {
        assertThat(FatalErrors.fatal(new OutOfMemoryError())).isInstanceOf(OutOfMemoryError.class);
        assertThat(FatalErrors.fatal(new RuntimeException(new NoClassDefFoundError("x")))).isNotNull();
        assertThat(FatalErrors.fatal(new StackOverflowError())).isNull();
        assertThat(FatalErrors.fatal(new IllegalArgumentException("bad"))).isNull();
    }
}
