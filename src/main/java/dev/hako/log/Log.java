package dev.hako.log;

import dev.hako.json.Json;
import java.io.PrintStream;
import java.time.Instant;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;

/**
 * Hako's logger: one logfmt line per event on stderr ({@code time=… level=… component=… msg="…" k=v}),
 * the format containerd uses, so the journal and log shippers can parse it without configuration.
 * Libraries that log through java.util.logging (grpc, netty's fallback) are routed here too.
 */
public final class Log {
    private static volatile Level threshold = Level.INFO;
    private static final PrintStream OUT = System.err;

    private final String component;

    private Log(String component) {
        this.component = component;
    }

    public static Log of(String component) {
        return new Log(component);
    }

    public static void setLevel(Level level) {
        threshold = level;
        java.util.logging.Logger root = LogManager.getLogManager().getLogger("");
        root.setLevel(toJul(level));
    }

    public static Level level() {
        return threshold;
    }

    /** Sends java.util.logging records of grpc and netty through this logger instead of JUL's two-line format. */
    public static void captureJavaUtilLogging() {
        java.util.logging.Logger root = LogManager.getLogManager().getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.setLevel(toJul(threshold));
        root.addHandler(new Handler() {
            @Override
            public void publish(LogRecord r) {
                // libraries' debug chatter (netty settings, HTTP/2 frames) only shows at trace
                Level l = fromJul(r.getLevel());
                if (l == Level.DEBUG) {
                    l = Level.TRACE;
                }
                if (enabled(l)) {
                    String msg = r.getMessage();
                    if (r.getParameters() != null && msg != null && msg.contains("{0")) {
                        msg = java.text.MessageFormat.format(msg, r.getParameters());
                    }
                    Throwable t = r.getThrown();
                    write(l, shortName(r.getLoggerName()), msg, t == null ? new Object[0] : new Object[] {"error", t.toString()});
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        });
    }

    /**
     * An exception as an operator reads it, for a line's {@code error} value: its message; for a file-system
     * error (whose message is only the file's name) the file and the reason; the type's simple name when
     * the exception is not one of Hako's or an I/O error, or has no message; and the causes the message
     * leaves out, after ": ".
     */
    public static String cause(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (int depth = 0; t != null && depth < 4; depth++, t = t.getCause()) {
            String part = describe(t);
            if (b.indexOf(part) >= 0) {
                continue;
            }
            if (t instanceof java.nio.file.FileSystemException f && f.getFile() != null && f.getOtherFile() == null
                    && b.toString().endsWith(f.getFile())) {
                part = part.substring(f.getFile().length() + 2); // "cannot list /x: /x" then only the reason
                b.append(": ").append(part);
                continue;
            }
            if (!b.isEmpty()) {
                b.append(": ");
            }
            b.append(part);
        }
        return b.toString();
    }

    private static String describe(Throwable t) {
        if (t instanceof java.nio.file.FileSystemException f) {
            String why = f.getReason() != null ? f.getReason() : switch (f) {
                case java.nio.file.NoSuchFileException x -> "no such file or directory";
                case java.nio.file.DirectoryNotEmptyException x -> "directory not empty";
                case java.nio.file.AccessDeniedException x -> "permission denied";
                case java.nio.file.FileAlreadyExistsException x -> "file exists";
                case java.nio.file.NotDirectoryException x -> "not a directory";
                default -> t.getClass().getSimpleName();
            };
            String file = f.getFile() == null ? "" : f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
            return file.isEmpty() ? why : file + ": " + why;
        }
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        boolean plain = t instanceof java.io.IOException || t instanceof java.io.UncheckedIOException
                || t.getClass().getName().startsWith("dev.hako.");
        return plain ? m : t.getClass().getSimpleName() + ": " + m;
    }

    public static boolean enabled(Level l) {
        return l.ordinal() <= threshold.ordinal();
    }

    public void error(String msg, Object... kv) {
        log(Level.ERROR, msg, kv);
    }

    public void warn(String msg, Object... kv) {
        log(Level.WARN, msg, kv);
    }

    public void info(String msg, Object... kv) {
        log(Level.INFO, msg, kv);
    }

    public void debug(String msg, Object... kv) {
        log(Level.DEBUG, msg, kv);
    }

    public void log(Level level, String msg, Object... kv) {
        if (enabled(level)) {
            write(level, component, msg, kv);
        }
    }

    private static void write(Level level, String component, String msg, Object[] kv) {
        StringBuilder line = new StringBuilder(128);
        line.append("time=").append(Instant.now())
            .append(" level=").append(level.label())
            .append(" component=").append(component)
            .append(" msg=");
        Json.quote(line, msg == null ? "" : msg);
        for (int i = 0; i + 1 < kv.length; i += 2) {
            line.append(' ').append(kv[i]).append('=');
            String v = String.valueOf(kv[i + 1]);
            if (needsQuotes(v)) {
                Json.quote(line, v);
            } else {
                line.append(v);
            }
        }
        line.append('\n');
        // one write per line so concurrent events never interleave within a line
        OUT.print(line);
        OUT.flush();
    }

    private static boolean needsQuotes(String v) {
        if (v.isEmpty()) {
            return true;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c <= ' ' || c == '"' || c == '=' || c == '\\') {
                return true;
            }
        }
        return false;
    }

    private static String shortName(String loggerName) {
        if (loggerName == null) {
            return "jul";
        }
        int dot = loggerName.lastIndexOf('.');
        return dot < 0 ? loggerName : loggerName.substring(dot + 1);
    }

    private static java.util.logging.Level toJul(Level l) {
        return switch (l) {
            case ERROR -> java.util.logging.Level.SEVERE;
            case WARN -> java.util.logging.Level.WARNING;
            case INFO -> java.util.logging.Level.INFO;
            case DEBUG -> java.util.logging.Level.FINE;
            case TRACE -> java.util.logging.Level.FINEST;
        };
    }

    private static Level fromJul(java.util.logging.Level l) {
        int v = l.intValue();
        if (v >= java.util.logging.Level.SEVERE.intValue()) {
            return Level.ERROR;
        }
        if (v >= java.util.logging.Level.WARNING.intValue()) {
            return Level.WARN;
        }
        if (v >= java.util.logging.Level.INFO.intValue()) {
            return Level.INFO;
        }
        if (v >= java.util.logging.Level.FINE.intValue()) {
            return Level.DEBUG;
        }
        return Level.TRACE;
    }
}
