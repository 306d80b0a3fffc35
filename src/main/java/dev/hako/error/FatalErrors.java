package dev.hako.error;

import dev.hako.log.Log;

/**
 * What to do when the JVM itself fails: an {@link Error} (out of memory, a class that cannot load, an
 * internal JVM failure) leaves the daemon in a state nobody can vouch for, so it is logged and the
 * process halts with {@link #EXIT_CODE}; the supervisor starts it again, and containers live on under
 * their conmon meanwhile. A {@link StackOverflowError} is the exception: it unwinds only the thread
 * that overflowed, shares no state, and comes from a request that is too deep or too long, so it fails
 * that request (as INTERNAL, a bug to fix by validating the input) and the daemon goes on.
 */
public final class FatalErrors {
    private static final Log LOG = Log.of("daemon");
    /** EX_SOFTWARE: an internal software error. */
    public static final int EXIT_CODE = 70;

    private FatalErrors() {}

    /** The fatal Error in {@code t} or its causes, or null. */
    public static Error fatal(Throwable t) {
        for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
            if (t instanceof Error e && !(e instanceof StackOverflowError)) {
                return e;
            }
        }
        return null;
    }

    /** Logs {@code e} (as far as the JVM still can) and halts without running shutdown hooks. */
    public static void halt(String where, Error e) {
        try {
            LOG.error("fatal error: the daemon halts for its supervisor to restart it", "where", where,
                    "error", Log.cause(e), "exit_code", EXIT_CODE);
            e.printStackTrace();
        } catch (Throwable ignored) {
            // out of memory even for the message: halt anyway
        } finally {
            Runtime.getRuntime().halt(EXIT_CODE);
        }
    }

    /** Makes any thread that dies of a fatal Error take the daemon down with it. */
    public static void haltOnUncaught() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, t) -> {
            Error e = fatal(t);
            if (e != null) {
                halt("thread " + thread.getName(), e);
            }
            if (previous != null) {
                previous.uncaughtException(thread, t);
            } else {
                System.err.println("Exception in thread \"" + thread.getName() + "\" " + t);
                t.printStackTrace();
            }
        });
    }
}
