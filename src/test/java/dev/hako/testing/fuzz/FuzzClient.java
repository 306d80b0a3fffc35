package dev.hako.testing.fuzz;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

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
                // a stream that delivers anything answered well; the fuzzer does not follow it further
                ClientCall<byte[], byte[]> call = channel.newCall(raw, options);
                Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(call, c.payload());
                response = it.hasNext() ? it.next() : new byte[0];
                call.cancel("fuzzer read enough", null);
            }
            return new Outcome(c, Status.Code.OK, "", response, millis(start), false);
        } catch (StatusRuntimeException e) {
            long ms = millis(start);
            boolean late = e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED && ms >= deadline.toMillis() - 50;
            String d = e.getStatus().getDescription();
            return new Outcome(c, e.getStatus().getCode(), d == null ? "" : d, null, ms, late);
        }
    }

    private static long millis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
