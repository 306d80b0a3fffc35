package dev.hako.daemon;

/** The daemon cannot start; the message says why and what is in the way, the exit code how badly. */
public final class StartupException extends Exception {
    /** Exit status for a configuration problem, distinct from other start-up failures. */
    public static final int CONFIG_ERROR = 2;
    public static final int FAILURE = 1;

    private final int exitCode;

    public StartupException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
