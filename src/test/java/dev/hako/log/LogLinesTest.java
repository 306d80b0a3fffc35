package dev.hako.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Guards what an operator reads in Hako's log: every warn and error line in src/main/java says what failed,
 * names the object with the log vocabulary (README, "Logs"), says what follows or what to do, and carries the
 * cause through {@link Log#cause}. Reads the source text: each {@code LOG.warn(…)}/{@code LOG.error(…)} call's
 * arguments, split at top-level commas.
 */
class LogLinesTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/hako");

    /** Packages whose lines are about one pod, container, image, file or handler: a line must name it. */
    private static final Set<String> OBJECT_PACKAGES = Set.of("pod", "container", "monitor", "network", "oci",
            "snapshot", "image", "stats");

    /** Keys that name the object a line is about (README "Logs"). */
    private static final Set<String> OBJECT_KEYS = Set.of("pod", "container", "image", "image_id", "digest", "path",
            "handler", "subscriber", "socket");

    /** Keys the vocabulary replaced: say which id or which name ({@code pod}, {@code container_name}, {@code path}). */
    private static final Set<String> VAGUE_KEYS = Set.of("id", "name", "dir", "file");

    /**
     * Lines in those packages about the node as a whole, not one object: the cgroup controllers the host lacks,
     * and an observer's failure (a bug; the kubelet's re-list covers it) where the object is not in scope.
     */
    private static final Set<String> NODE_LEVEL = Set.of(
            "container resources leave out a field this host cannot enforce; containers run without it",
            "a pod change was not passed on to the container events (a Hako bug); the kubelet's re-list sees it",
            "a container change was not passed on to the container events (a Hako bug); the kubelet's re-list sees it",
            "stats sampling failed; stats keep the last sample until the next one");

    private static final Pattern CALL = Pattern.compile("\\bLOG\\.(warn|error|info|debug)\\(");

    record Call(Path file, int line, String level, List<String> args) {
        String where() {
            return SOURCES.relativize(file) + ":" + line;
        }

        String pkg() {
            return SOURCES.relativize(file).getName(0).toString();
        }

        boolean severe() {
            return level.equals("warn") || level.equals("error");
        }

        /** The message: string literals joined with +; null when the first argument is not made of literals. */
        String message() {
            String a = args.isEmpty() ? "" : args.get(0).strip();
            StringBuilder out = new StringBuilder();
            Matcher m = Pattern.compile("\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*(\\+|$)").matcher(a);
            int at = 0;
            while (at < a.length() && m.find(at) && m.start() == at) {
                out.append(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
                at = m.end();
            }
            return at == a.length() && !a.isEmpty() ? out.toString() : null;
        }

        List<String> keys() {
            List<String> keys = new ArrayList<>();
            for (int i = 1; i < args.size(); i += 2) {
                keys.add(args.get(i).strip().replace("\"", ""));
            }
            return keys;
        }

        String value(String key) {
            for (int i = 1; i + 1 < args.size(); i += 2) {
                if (args.get(i).strip().equals("\"" + key + "\"")) {
                    return args.get(i + 1).strip();
                }
            }
            return null;
        }
    }

    @Test
    void findsTheLogCalls() throws IOException {
        List<Call> severe = calls().stream().filter(Call::severe).toList();
        assertThat(severe).hasSizeGreaterThan(50);
        assertThat(severe).anySatisfy(c -> assertThat(c.message()).startsWith("CNI DEL failed"));
    }

    @Test
    void everyWarningAndErrorIsALiteralMessageWithKeyValuePairs() throws IOException {
        List<String> bad = new ArrayList<>();
        for (Call c : calls()) {
            if (!c.severe()) {
                continue;
            }
            String msg = c.message();
            if (msg == null) {
                bad.add(c.where() + ": the message must be a string literal (say what failed), not " + c.args().get(0));
            } else if (c.args().size() < 3 || c.args().size() % 2 == 0) {
                bad.add(c.where() + ": \"" + msg + "\" needs key/value pairs (an odd number of arguments)");
            } else if (!msg.contains(";") && !msg.contains(":")) {
                bad.add(c.where() + ": \"" + msg + "\" says what failed but not what follows or what to do "
                        + "(add \"; retried at the next start\", \"; the kubelet retries\", an action, …)");
            } else if (!msg.equals(msg.strip()) || Character.isUpperCase(msg.charAt(0)) && !msg.startsWith("CNI")) {
                bad.add(c.where() + ": \"" + msg + "\" should start lowercase, as the other lines do");
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void linesAboutPodsContainersAndImagesNameTheirObject() throws IOException {
        List<String> bad = new ArrayList<>();
        for (Call c : calls()) {
            if (!c.severe() || !OBJECT_PACKAGES.contains(c.pkg()) || NODE_LEVEL.contains(c.message())) {
                continue;
            }
            if (c.keys().stream().noneMatch(OBJECT_KEYS::contains)) {
                bad.add(c.where() + ": \"" + c.message() + "\" names no object; give one of " + OBJECT_KEYS
                        + " (keys: " + c.keys() + ")");
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void errorsGoThroughLogCause() throws IOException {
        List<String> bad = new ArrayList<>();
        for (Call c : calls()) {
            String error = c.value("error");
            if (c.severe() && error != null && error.matches("\\w+\\.(getMessage|toString)\\(\\)")) {
                bad.add(c.where() + ": \"error\", " + error + " (a file error's message is only its path): use Log.cause");
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void keysFollowTheVocabulary() throws IOException {
        List<String> bad = new ArrayList<>();
        for (Call c : calls()) {
            for (String k : c.keys()) {
                if (VAGUE_KEYS.contains(k)) {
                    bad.add(c.where() + ": key \"" + k + "\" in \"" + c.message() + "\": use pod, container, "
                            + "pod_name, container_name, image_id or path");
                } else if (!k.matches("[a-z][a-z0-9_]*")) {
                    bad.add(c.where() + ": key " + k + " is not a lowercase snake_case literal");
                }
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void logCauseNamesTheFileAndTheReason() {
        assertThat(Log.cause(new java.nio.file.DirectoryNotEmptyException("/var/lib/hako/x")))
                .isEqualTo("/var/lib/hako/x: directory not empty");
        assertThat(Log.cause(new java.nio.file.FileSystemException("/a", null, "Device or resource busy")))
                .isEqualTo("/a: Device or resource busy");
        assertThat(Log.cause(new IllegalStateException("boom"))).isEqualTo("IllegalStateException: boom");
        assertThat(Log.cause(new NullPointerException())).isEqualTo("NullPointerException");
        assertThat(Log.cause(new java.io.UncheckedIOException("cannot cache the CNI result",
                new java.nio.file.NoSuchFileException("/run/cni/x"))))
                .isEqualTo("cannot cache the CNI result: /run/cni/x: no such file or directory");
        assertThat(Log.cause(new java.io.UncheckedIOException("cannot list /x: /x", new java.nio.file.NoSuchFileException("/x"))))
                .isEqualTo("cannot list /x: /x: no such file or directory");
        assertThat(Log.cause(new java.io.IOException("read /x: EIO", new java.io.IOException("read /x: EIO"))))
                .isEqualTo("read /x: EIO");
    }

    private static List<Call> calls() throws IOException {
        List<Call> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String text = Files.readString(f);
                Matcher m = CALL.matcher(text);
                while (m.find()) {
                    int line = (int) text.substring(0, m.start()).chars().filter(ch -> ch == '\n').count() + 1;
                    out.add(new Call(f, line, m.group(1), arguments(text, m.end())));
                }
            }
        }
        return out;
    }

    /** The arguments of the call whose '(' ends just before {@code from}, split at top-level commas. */
    static List<String> arguments(String text, int from) {
        List<String> args = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int depth = 0;
        for (int i = from; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '"' || ch == '\'') {
                int end = i + 1;
                while (end < text.length() && text.charAt(end) != ch) {
                    end += text.charAt(end) == '\\' ? 2 : 1;
                }
                cur.append(text, i, Math.min(end + 1, text.length()));
                i = end;
                continue;
            }
            if (ch == '(' || ch == '[' || ch == '{') {
                depth++;
            } else if (ch == ')' || ch == ']' || ch == '}') {
                if (depth == 0) {
                    if (!cur.toString().isBlank()) {
                        args.add(cur.toString().strip());
                    }
                    return args;
                }
                depth--;
            } else if (ch == ',' && depth == 0) {
                args.add(cur.toString().strip());
                cur.setLength(0);
                continue;
            }
            cur.append(ch);
        }
        throw new IllegalStateException("unbalanced call at " + from);
    }
}
