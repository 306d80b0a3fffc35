package dev.hako.image.registry;

import dev.hako.error.HakoException.Kind;

/**
 * Why one endpoint could not serve a request. Collected per endpoint so the final error can list
 * every endpoint with its outcome; never carries credentials or tokens.
 */
final class EndpointFailure extends Exception {
    private final Kind kind;
    private final boolean retryable;

    EndpointFailure(String outcome, Kind kind, boolean retryable) {
        super(outcome, null, false, false);
        this.kind = kind;
        this.retryable = retryable;
    }

    String outcome() {
        return getMessage();
    }

    Kind kind() {
        return kind;
    }

    /** Transient (connection errors, 5xx, 429): worth another attempt at the same endpoint. */
    boolean retryable() {
        return retryable;
    }
}
