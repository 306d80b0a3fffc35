package dev.hako.oci;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what an OCI runtime wrote on stderr into a message for a CRI caller. runc and runsc log in
 * logrus text form ({@code time="…" level=error msg="exec failed: …"}): the {@code msg} values of
 * the error lines are what a user needs, unquoted. Anything else is returned trimmed, as written.
 */
public final class RuntimeMessages {
    private RuntimeMessages() {}

    /** Up to the msg value, which {@link #value} scans by hand: a regex over it recurses once per character. */
    private static final Pattern LOGRUS = Pattern.compile("^time=\"[^\"]*\"\\s+level=(\\w+)\\s+msg=");

    /** runc/runsc ({@code exec: "x": …}) and crun ({@code executable file `x` not found}) wording for a process they cannot exec. */
    private static final Pattern CANNOT_EXEC = Pattern.compile(
            "exec: \"[^\"]*\": (stat [^:]*: )?(no such file or directory|executable file not found in \\$PATH"
                    + "|permission denied|exec format error|is a directory)"
                    + "|executable file `[^`]*` not found|open executable: ",
            Pattern.CASE_INSENSITIVE);

    /**
     * Whether a runtime's message says the container's command cannot be executed (missing from the image, not
     * executable, for another architecture): the workload's fault, so the caller gets FAILED_PRECONDITION, not a
     * status that blames the node.
     */
    public static boolean cannotExec(String message) {
        return message != null && CANNOT_EXEC.matcher(message).find();
    }

    /** The error text in {@code stderr}; never null, possibly empty. */
    public static String clean(String stderr) {
        if (stderr == null) {
            return "";
        }
        String text = stderr.strip();
        List<String> errors = new ArrayList<>();
        boolean allLogrus = !text.isEmpty();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            Matcher m = LOGRUS.matcher(l);
            if (!m.find()) {
                allLogrus = false;
                break;
            }
            String level = m.group(1);
            if (level.equals("error") || level.equals("fatal") || level.equals("panic")) {
                errors.add(unquote(value(l, m.end())));
            }
        }
        if (allLogrus && !errors.isEmpty()) {
            return String.join("; ", errors);
        }
        return text;
    }

    /** The msg value starting at {@code from}: a quoted string with backslash escapes, else a bare word. */
    private static String value(String line, int from) {
        if (from < line.length() && line.charAt(from) == '"') {
            int i = from + 1;
            while (i < line.length() && line.charAt(i) != '"') {
                i += line.charAt(i) == '\\' ? 2 : 1;
            }
            if (i < line.length()) {
                return line.substring(from, i + 1);
            }
        }
        int end = from;
        while (end < line.length() && !Character.isWhitespace(line.charAt(end))) {
            end++;
        }
        return line.substring(from, end);
    }

    private static String unquote(String v) {
        if (v.length() < 2 || v.charAt(0) != '"') {
            return v;
        }
        StringBuilder out = new StringBuilder(v.length());
        for (int i = 1; i < v.length() - 1; i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length() - 1) {
                char e = v.charAt(++i);
                switch (e) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    default -> out.append(e);
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
