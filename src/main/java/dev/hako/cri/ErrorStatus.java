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
            String message = Echo.message(h.kind() == HakoException.Kind.INTERNAL || h.kind() == HakoException.Kind.UNAVAILABLE
                    ? withFileReason(h) : h.getMessage());
            if (h.kind() == HakoException.Kind.INTERNAL) {
                LOG.error("request failed: a Hako bug or an unexpected failure of the node; the kubelet retries, report it if it repeats",
                        "rpc", rpc, "error", message);
            }
            return status.withDescription(message).withCause(h).asRuntimeException();
        }
        // a bug or an unexpected environment failure: say which call, keep the detail in our log
        String message = Echo.message(Log.cause(t));
        LOG.error("request failed unexpectedly (a Hako bug); the kubelet retries, report it if it repeats", "rpc", rpc,
                "error", message);
        return Status.INTERNAL.withDescription(rpc + " failed: " + message).withCause(t).asRuntimeException();
    }

    /**
     * A failure of the node whose cause is a file-system error: such an error's message is only the file's name,
     * so a message built as {@code "cannot X " + path + ": " + e.getMessage()} would leave out why; add it.
     */
    static String withFileReason(HakoException h) {
        String m = String.valueOf(h.getMessage());
        Throwable c = h.getCause();
        for (int depth = 0; c != null && depth < 4; depth++, c = c.getCause()) {
            if (c instanceof java.nio.file.FileSystemException f) {
                String why = Log.cause(f);
                int at = why.lastIndexOf(": ");
                String reason = at < 0 ? why : why.substring(at + 2);
                return m.contains(reason) ? m : m + " (" + why + ")";
            }
        }
        return m;
    }
}
