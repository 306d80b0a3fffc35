package dev.hako.log;

import java.util.Locale;

/** Log levels, least to most verbose; the names are the values of {@code log_level} and {@code --log-level}. */
public enum Level {
    ERROR, WARN, INFO, DEBUG, TRACE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The level named {@code name} (case-insensitive), or null when there is none. */
    public static Level parse(String name) {
        for (Level l : values()) {
            if (l.label().equalsIgnoreCase(name)) {
                return l;
            }
        }
        return null;
    }

    public static String names() {
        return "error, warn, info, debug, trace";
    }
}
