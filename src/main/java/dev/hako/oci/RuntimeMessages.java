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

    private static final Pattern LOGRUS = Pattern.compile(
            "^time=\"[^\"]*\"\\s+level=(\\w+)\\s+msg=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S*)");

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
                errors.add(unquote(m.group(2)));
            }
        }
        if (allLogrus && !errors.isEmpty()) {
            return String.join("; ", errors);
        }
        return text;
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
