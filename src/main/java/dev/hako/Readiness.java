package dev.hako;

/** Whether a part of the node is usable, and if not, a CamelCase reason and a sentence for the operator. */
public record Readiness(boolean ready, String reason, String message) {
    public static final Readiness READY = new Readiness(true, "", "");

    public static Readiness notReady(String reason, String message) {
        return new Readiness(false, reason, message);
    }
}
