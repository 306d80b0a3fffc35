package dev.hako.cri;

import dev.hako.error.HakoException;
import dev.hako.log.Log;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** Maps what the domain throws to the gRPC status the kubelet sees; nothing else leaks out unclassified. */
final class ErrorStatus {
    private static final Log LOG = Log.of("cri");

    private ErrorStatus() {}

    static StatusRuntimeException of(String rpc, Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            String d = s.getStatus().getDescription();
            return d == null || d.length() <= Echo.MESSAGE_CHARS ? s
                    : s.getStatus().withDescription(Echo.message(d)).asRuntimeException(s.getTrailers());
        }
        if (t instanceof HakoException h) {
            Status status = switch (h.kind()) {
                case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
                case NOT_FOUND -> Status.NOT_FOUND;
                case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
                case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
                case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
                case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
                case UNAVAILABLE -> Status.UNAVAILABLE;
                case DATA_LOSS -> Status.DATA_LOSS;
                case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
                case INTERNAL -> Status.INTERNAL;
            };
            // messages quote request values and runtime errors: never send (or log) a hostile 2 MB one whole
            String message = Echo.message(h.getMessage());
            if (h.kind() == HakoException.Kind.INTERNAL) {
                LOG.error("request failed", "rpc", rpc, "error", message);
            }
            return status.withDescription(message).withCause(h).asRuntimeException();
        }
        // a bug or an unexpected environment failure: say which call, keep the detail in our log
        String message = Echo.message(t.toString());
        LOG.error("request failed unexpectedly", "rpc", rpc, "error", message);
        return Status.INTERNAL.withDescription(rpc + " failed: " + message).withCause(t).asRuntimeException();
    }
}
