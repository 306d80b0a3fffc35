package dev.hako.error;

/**
 * A failure the caller can act on, classified so the CRI layer can map it to a gRPC status
 * without the domain packages knowing about gRPC. The message names the offending field or path.
 */
public class HakoException extends RuntimeException {
    /** The caller-visible class of failure; one per gRPC status Hako answers with. */
    public enum Kind {
        INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, UNAUTHENTICATED, PERMISSION_DENIED,
        UNAVAILABLE, DATA_LOSS, DEADLINE_EXCEEDED, INTERNAL
    }

    private final Kind kind;

    public HakoException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public HakoException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** A request field is malformed: {@code field} is its path in the request, e.g. {@code config.metadata.name}. */
    public static HakoException invalidArgument(String field, String problem) {
        return new HakoException(Kind.INVALID_ARGUMENT, field + ": " + problem);
    }

    public static HakoException notFound(String message) {
        return new HakoException(Kind.NOT_FOUND, message);
    }

    public static HakoException alreadyExists(String message) {
        return new HakoException(Kind.ALREADY_EXISTS, message);
    }

    public static HakoException failedPrecondition(String message) {
        return new HakoException(Kind.FAILED_PRECONDITION, message);
    }

    public static HakoException internal(String message, Throwable cause) {
        return new HakoException(Kind.INTERNAL, message, cause);
    }
}
