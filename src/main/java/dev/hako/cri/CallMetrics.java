package dev.hako.cri;

import dev.hako.metrics.Metrics;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/** Counts and times every finished gRPC call by method and status code, when metrics are on. */
public final class CallMetrics implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!Metrics.enabled()) {
            return next.startCall(call, headers);
        }
        long start = Metrics.now();
        String method = call.getMethodDescriptor().getBareMethodName();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                Metrics.rpc(method, status.getCode().name(), start);
                super.close(status, trailers);
            }
        }, headers);
    }
}
