package dev.hako.cri;

import dev.hako.trace.Phase;
import dev.hako.trace.Trace;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Set;

/**
 * Opens one {@link Phase} per CRI call, named after the method, as the child of the caller's W3C
 * {@code traceparent} when there is one, and closes it with the call's status code. The phase is made
 * current around every listener callback: gRPC may run them on different virtual threads, and the
 * services' own phases nest under whatever is current on the thread they run on.
 */
public final class CallTracing implements ServerInterceptor {
    /** The calls whose phases make up a pod's start-up timings ({@code hako trace POD}). */
    static final Set<String> POD_START = Set.of("RunPodSandbox", "CreateContainer", "StartContainer");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String bare = call.getMethodDescriptor().getBareMethodName();
        Phase phase = Trace.call(call.getMethodDescriptor().getFullMethodName(), bare, POD_START.contains(bare),
                key -> headers.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER)));
        if (phase == Phase.NONE) {
            return next.startCall(call, headers);
        }
        ServerCall<Q, R> closing = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                phase.status(status.getCode().value(), status.getDescription());
                phase.close();
                super.close(status, trailers);
            }
        };
        ServerCall.Listener<Q> listener;
        try (Trace.Scope s = Trace.resume(phase)) {
            listener = next.startCall(closing, headers);
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                try (Trace.Scope s = Trace.resume(phase)) {
                    super.onMessage(message);
                }
            }

            @Override
            public void onHalfClose() {
                try (Trace.Scope s = Trace.resume(phase)) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onReady() {
                try (Trace.Scope s = Trace.resume(phase)) {
                    super.onReady();
                }
            }

            @Override
            public void onCancel() {
                // a cancelled call is never closed through the wrapper above
                phase.status(Status.Code.CANCELLED.value(), "cancelled by the client");
                phase.close();
                super.onCancel();
            }

            @Override
            public void onComplete() {
                phase.close(); // closed already, unless gRPC answered for a handler that threw
                super.onComplete();
            }
        };
    }
}
