package dev.hako.testing.fuzz;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends a {@link FuzzCase}'s bytes as the payload of a real gRPC call (the framing is valid, the
 * message need not be), under a deadline, and reports what came back.
 */
public final class FuzzClient {
    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private final Channel channel;
    private final Duration deadline;

    public FuzzClient(Channel channel, Duration deadline) {
        this.channel = channel;
        this.deadline = deadline;
    }

    /**
     * What one call got: its status, the (first) response message when OK, and whether the
     * client gave up at the deadline rather than hearing an answer.
     */
    public record Outcome(FuzzCase request, Status.Code code, String description, byte[] response, long millis,
                          boolean timedOut) {}

    public Outcome send(FuzzCase c) {
        MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.newBuilder(RAW, RAW)
                .setFullMethodName(c.method().getFullMethodName())
                .setType(c.method().getType())
                .build();
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
        long start = System.nanoTime();
        try {
            byte[] response;
            if (raw.getType() == MethodDescriptor.MethodType.UNARY) {
                response = ClientCalls.blockingUnaryCall(channel, raw, options, c.payload());
            } else {
                response = firstOfStream(raw, options, c.payload());
            }
            return new Outcome(c, Status.Code.OK, "", response, millis(start), false);
        } catch (StatusRuntimeException e) {
            long ms = millis(start);
            boolean late = e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && ms >= deadline.toMillis() - 50;
            String d = e.getStatus().getDescription();
            return new Outcome(c, e.getStatus().getCode(), d == null ? "" : d, null, ms, late);
        }
    }

    /** How long a server stream may stay open and quiet before the fuzzer takes it as a live subscription. */
    private static final Duration QUIET_STREAM = Duration.ofSeconds(2);

    /**
     * A server stream answered well when it delivers a message, ends cleanly, or stays open without an
     * error: a subscription (GetContainerEvents) has nothing to say until something happens. The
     * fuzzer does not follow it further.
     */
    private byte[] firstOfStream(MethodDescriptor<byte[], byte[]> raw, CallOptions options, byte[] payload) {
        ClientCall<byte[], byte[]> call = channel.newCall(raw, options);
        CompletableFuture<byte[]> first = new CompletableFuture<>();
        ClientCalls.asyncServerStreamingCall(call, payload, new StreamObserver<byte[]>() {
            @Override
            public void onNext(byte[] value) {
                first.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                first.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                first.complete(new byte[0]);
            }
        });
        try {
            return first.get(Math.min(QUIET_STREAM.toMillis(), deadline.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new byte[0]; // open and quiet: a live subscription
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StatusRuntimeException sre) {
                throw sre;
            }
            throw Status.fromThrowable(e.getCause()).asRuntimeException();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        } finally {
            call.cancel("fuzzer read enough", null);
        }
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
