package dev.hako.cri;

import com.google.protobuf.Message;
import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;

/**
 * Decodes requests itself, so that bytes which are not the request message get INVALID_ARGUMENT
 * naming the message type. grpc-java parses requests before any handler or interceptor runs and
 * answers a parse failure with UNKNOWN "Application error processing RPC"; here the parse happens
 * inside the call, and every decoded request then passes {@link RequestLimits} before its handler.
 */
final class RequestDecoding {
    private RequestDecoding() {}

    /** {@code service} with every method's request decoded and size-checked by Hako. */
    static ServerServiceDefinition wrap(ServerServiceDefinition service) {
        ServiceDescriptor original = service.getServiceDescriptor();
        ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
                .setSchemaDescriptor(original.getSchemaDescriptor());
        java.util.List<ServerMethodDefinition<?, ?>> methods = new java.util.ArrayList<>();
        for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
            ServerMethodDefinition<?, ?> wrapped = wrapMethod(m);
            descriptor.addMethod(wrapped.getMethodDescriptor());
            methods.add(wrapped);
        }
        ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(descriptor.build());
        methods.forEach(out::addMethod);
        return out.build();
    }

    private static <Q, R> ServerMethodDefinition<Decoded<Q>, R> wrapMethod(ServerMethodDefinition<Q, R> m) {
        MethodDescriptor<Q, R> method = m.getMethodDescriptor();
        MethodDescriptor<Decoded<Q>, R> lenient = method.toBuilder(new Lenient<>(method.getRequestMarshaller()),
                method.getResponseMarshaller()).build();
        return ServerMethodDefinition.create(lenient, new Handler<>(method, m.getServerCallHandler()));
    }

    /** A request as parsed: the message, or why it could not be parsed. */
    record Decoded<Q>(Q message, RuntimeException failure) {}

    /** Never throws from parse: a failure travels to the handler, which can answer it properly. */
    private record Lenient<Q>(MethodDescriptor.Marshaller<Q> inner) implements MethodDescriptor.Marshaller<Decoded<Q>> {
        @Override
        public InputStream stream(Decoded<Q> value) {
            return inner.stream(value.message());
        }

        @Override
        public Decoded<Q> parse(InputStream stream) {
            try {
                return new Decoded<>(inner.parse(stream), null);
            } catch (RuntimeException e) {
                return new Decoded<>(null, e);
            }
        }
    }

    private record Handler<Q, R>(MethodDescriptor<Q, R> method, ServerCallHandler<Q, R> next)
            implements ServerCallHandler<Decoded<Q>, R> {
        @Override
        public ServerCall.Listener<Decoded<Q>> startCall(ServerCall<Decoded<Q>, R> call, Metadata headers) {
            ServerCall.Listener<Q> inner = next.startCall(new Unwrapped<>(call, method), headers);
            return new ServerCall.Listener<>() {
                private boolean refused;

                @Override
                public void onMessage(Decoded<Q> request) {
                    if (refused) {
                        return;
                    }
                    Status bad = check(request);
                    if (bad != null) {
                        refused = true;
                        call.close(bad, new Metadata());
                        return;
                    }
                    inner.onMessage(request.message());
                }

                @Override
                public void onHalfClose() {
                    if (!refused) {
                        inner.onHalfClose();
                    }
                }

                @Override
                public void onCancel() {
                    inner.onCancel();
                }

                @Override
                public void onComplete() {
                    inner.onComplete();
                }

                @Override
                public void onReady() {
                    if (!refused) {
                        inner.onReady();
                    }
                }
            };
        }

        private Status check(Decoded<Q> request) {
            String type = method.getSchemaDescriptor() instanceof io.grpc.protobuf.ProtoMethodDescriptorSupplier s
                    ? s.getMethodDescriptor().getInputType().getName()
                    : method.getBareMethodName() + " request";
            if (request.failure() != null) {
                Throwable cause = request.failure();
                String why = cause instanceof StatusRuntimeException e && e.getStatus().getCause() != null
                        ? e.getStatus().getCause().getMessage()
                        : cause.getMessage();
                return Status.INVALID_ARGUMENT.withDescription("the request is not a valid " + type + " message: "
                        + Echo.of(why == null ? cause.toString() : why));
            }
            if (request.message() instanceof Message m) {
                try {
                    RequestLimits.check(m);
                } catch (dev.hako.error.HakoException e) {
                    return Status.INVALID_ARGUMENT.withDescription(e.getMessage());
                }
            }
            return null;
        }
    }

    /** The call as the original (typed) handler expects it; everything but the method descriptor is passed on. */
    private static final class Unwrapped<Q, R> extends ServerCall<Q, R> {
        private final ServerCall<Decoded<Q>, R> call;
        private final MethodDescriptor<Q, R> method;

        Unwrapped(ServerCall<Decoded<Q>, R> call, MethodDescriptor<Q, R> method) {
            this.call = call;
            this.method = method;
        }

        @Override
        public void request(int numMessages) {
            call.request(numMessages);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            call.sendHeaders(headers);
        }

        @Override
        public void sendMessage(R message) {
            call.sendMessage(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            call.close(status, trailers);
        }

        @Override
        public boolean isCancelled() {
            return call.isCancelled();
        }

        @Override
        public boolean isReady() {
            return call.isReady();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            call.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            call.setCompression(compressor);
        }

        @Override
        public void setOnReadyThreshold(int numBytes) {
            call.setOnReadyThreshold(numBytes);
        }

        @Override
        public Attributes getAttributes() {
            return call.getAttributes();
        }

        @Override
        public String getAuthority() {
            return call.getAuthority();
        }

        @Override
        public MethodDescriptor<Q, R> getMethodDescriptor() {
            return method;
        }
    }
}
