package dev.hako.cri;

import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import dev.hako.error.FatalErrors;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Assembles one gRPC service from several RPC groups. Each group binds the methods it implements;
 * every method nobody bound answers UNIMPLEMENTED naming itself, so a kubelet or crictl calling an
 * RPC whose issue has not landed gets a precise answer instead of a generic "method not found".
 *
 * <p>A fatal {@link Error} out of a handler (see {@link FatalErrors}) is not answered as INTERNAL with
 * the daemon limping on: it goes to the fatal handler, which in the daemon halts the process.
 */
public final class RpcBinder {
    private final ServiceDescriptor descriptor;
    private final BiConsumer<String, Error> fatal;
    private final Map<String, ServerCallHandler<?, ?>> bound = new HashMap<>();

    public RpcBinder(ServiceDescriptor descriptor) {
        this(descriptor, FatalErrors::halt);
    }

    /** With {@code fatal} told of fatal Errors (the RPC's name and the Error) instead of halting the daemon. */
    RpcBinder(ServiceDescriptor descriptor, BiConsumer<String, Error> fatal) {
        this.descriptor = descriptor;
        this.fatal = fatal;
    }

    /** The status for what a handler threw; a fatal Error first goes to the fatal handler. */
    private StatusRuntimeException failure(String rpc, Throwable t) {
        Error e = FatalErrors.fatal(t);
        if (e == null) {
            return ErrorStatus.of(rpc, t);
        }
        fatal.accept(rpc, e); // halts in the daemon
        return Status.UNAVAILABLE.withDescription(rpc + ": the daemon failed (" + e + ") and must restart")
                .asRuntimeException();
    }

    /** Binds a unary RPC to a plain function; exceptions become statuses through {@link ErrorStatus}. */
    public <Q, R> RpcBinder unary(MethodDescriptor<Q, R> method, Function<Q, R> handler) {
        String rpc = method.getBareMethodName();
        ServerCallHandler<Q, R> call = ServerCalls.asyncUnaryCall((request, response) -> {
            R result;
            try {
                result = handler.apply(request);
            } catch (Throwable t) {
                response.onError(failure(rpc, t));
                return;
            }
            response.onNext(result);
            response.onCompleted();
        });
        if (bound.putIfAbsent(method.getFullMethodName(), call) != null) {
            throw new IllegalStateException(method.getFullMethodName() + " bound twice");
        }
        return this;
    }

    /** Binds a server-streaming RPC; the handler sends on {@code out} and returns when done. */
    public <Q, R> RpcBinder serverStreaming(MethodDescriptor<Q, R> method, java.util.function.BiConsumer<Q, StreamObserver<R>> handler) {
        String rpc = method.getBareMethodName();
        ServerCallHandler<Q, R> call = ServerCalls.asyncServerStreamingCall((request, response) -> {
            try {
                handler.accept(request, response);
            } catch (Throwable t) {
                response.onError(failure(rpc, t));
                return;
            }
            response.onCompleted();
        });
        if (bound.putIfAbsent(method.getFullMethodName(), call) != null) {
            throw new IllegalStateException(method.getFullMethodName() + " bound twice");
        }
        return this;
    }

    /**
     * Binds a server-streaming RPC that outlives its handler: the handler sets the stream up (its
     * cancel and ready handlers, which only the initial call may set), hands {@code out} to a thread of
     * its own and returns; that thread ends the stream. The call's later callbacks (cancel, ready) run
     * only once the handler has returned, so the handler must not wait for them.
     */
    <Q, R> RpcBinder openStreaming(MethodDescriptor<Q, R> method, BiConsumer<Q, ServerCallStreamObserver<R>> handler) {
        String rpc = method.getBareMethodName();
        ServerCallHandler<Q, R> call = ServerCalls.asyncServerStreamingCall((request, response) -> {
            try {
                handler.accept(request, (ServerCallStreamObserver<R>) response);
            } catch (Throwable t) {
                response.onError(failure(rpc, t));
            }
        });
        if (bound.putIfAbsent(method.getFullMethodName(), call) != null) {
            throw new IllegalStateException(method.getFullMethodName() + " bound twice");
        }
        return this;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public ServerServiceDefinition build() {
        ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(descriptor);
        for (MethodDescriptor<?, ?> method : descriptor.getMethods()) {
            ServerCallHandler handler = bound.get(method.getFullMethodName());
            service.addMethod((MethodDescriptor) method, handler != null ? handler : unimplemented(method));
        }
        return service.build();
    }

    private static <Q, R> ServerCallHandler<Q, R> unimplemented(MethodDescriptor<Q, R> method) {
        Status status = Status.UNIMPLEMENTED.withDescription(
                method.getFullMethodName() + " is not implemented by Hako yet");
        return switch (method.getType()) {
            case UNARY -> ServerCalls.asyncUnaryCall((req, resp) -> resp.onError(status.asRuntimeException()));
            case SERVER_STREAMING -> ServerCalls.asyncServerStreamingCall(
                    (req, resp) -> resp.onError(status.asRuntimeException()));
            default -> throw new IllegalStateException("CRI has no " + method.getType() + " RPC: " + method);
        };
    }
}
