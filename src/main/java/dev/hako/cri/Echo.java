package dev.hako.cri;

/**
 * Request values as error messages may quote them: control characters escaped, and cut to a few
 * hundred characters, so a hostile 2 MB value is never sent back (or logged) whole.
 */
final class Echo {
    /** How much of one value a message quotes. */
    static final int VALUE_CHARS = 200;
    /** How long a whole status description may be (Kubernetes cuts event messages at 1 KiB too). */
    static final int MESSAGE_CHARS = 1024;

    private Echo() {}

    /** {@code value} fit to quote: escaped, and at most {@link #VALUE_CHARS} characters of it. */
    static String of(String value) {
        return cut(value, VALUE_CHARS, false);
    }

    /** A whole message fit to send: escaped, and at most {@link #MESSAGE_CHARS} characters of it. */
    static String message(String text) {
        return cut(text, MESSAGE_CHARS, true);
    }

    private static String cut(String value, int max, boolean lines) {
        if (value == null) {
            return "";
        }
        int keep = Math.min(value.length(), max);
        StringBuilder out = new StringBuilder(keep + 40);
        for (int i = 0; i < keep; i++) {
            char c = value.charAt(i);
            if (c < ' ' && !(lines && (c == '\n' || c == '\t')) || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (value.length() > keep) {
            out.append("... (").append(value.length()).append(" characters in all)");
        }
        return out.toString();
    }
}
