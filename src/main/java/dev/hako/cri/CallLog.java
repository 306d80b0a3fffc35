package dev.hako.cri;

import dev.hako.log.Level;
import dev.hako.log.Log;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * One log line per finished CRI call: debug when it succeeded, warn when it failed (UNIMPLEMENTED at
 * debug); and a warning, rate-limited per RPC, when a call took longer than a second ({@link SlowCalls}).
 */
public final class CallLog implements ServerInterceptor {
    private static final Log LOG = Log.of("cri");
    private final SlowCalls slow = new SlowCalls();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        String rpc = call.getMethodDescriptor().getBareMethodName();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                long now = System.nanoTime();
                long unlogged = slow.warn(rpc, now - start, now);
                if (unlogged >= 0) {
                    LOG.warn("slow call: the node may be overloaded or a runtime, conmon or CNI plugin slow; "
                            + "the debug log shows the call's steps", "rpc", rpc, "code", status.getCode(),
                            "ms", (now - start) / 1_000_000, "slow_calls_not_logged", unlogged);
                }
                Level level = status.isOk() || status.getCode() == Status.Code.UNIMPLEMENTED ? Level.DEBUG : Level.WARN;
                if (Log.enabled(level)) {
                    long micros = (System.nanoTime() - start) / 1000;
                    LOG.log(level, "call finished", "rpc", rpc, "code", status.getCode(), "micros", micros,
                            "error", status.getDescription() == null ? "" : status.getDescription());
                }
                super.close(status, trailers);
            }
        }, headers);
    }
}
