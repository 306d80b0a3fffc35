package dev.hako.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4), for tests: every sample must
 * belong to a family announced by a {@code # TYPE} line, label values are unescaped, and anything that
 * is not a comment, a blank line or {@code name{labels} value} fails.
 */
public final class PromText {
    public record Sample(String name, Map<String, String> labels, double value) {}

    private final Map<String, String> help = new LinkedHashMap<>();
    private final Map<String, String> type = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();

    private PromText() {}

    public static PromText parse(String text) {
        PromText t = new PromText();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String rest = line.substring(7);
                int sp = rest.indexOf(' ');
                if (sp <= 0) {
                    throw new IllegalArgumentException("line " + n + ": no text after the name: " + line);
                }
                String name = rest.substring(0, sp);
                checkName(name, n);
                if (line.startsWith("# HELP ")) {
                    t.help.put(name, rest.substring(sp + 1));
                } else {
                    String ty = rest.substring(sp + 1);
                    if (!Set.of("counter", "gauge", "histogram", "summary", "untyped").contains(ty)) {
                        throw new IllegalArgumentException("line " + n + ": unknown type " + ty);
                    }
                    t.type.put(name, ty);
                }
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            t.samples.add(t.sample(line, n));
        }
        return t;
    }

    private Sample sample(String line, int n) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        checkName(name, n);
        if (family(name) == null) {
            throw new IllegalArgumentException("line " + n + ": sample " + name + " has no # TYPE line before it");
        }
        Map<String, String> labels = new TreeMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String label = line.substring(i, eq);
                if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*") || line.charAt(eq + 1) != '"') {
                    throw new IllegalArgumentException("line " + n + ": bad label at " + line.substring(i));
                }
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char e = line.charAt(++j);
                        v.append(e == 'n' ? '\n' : e);
                    } else {
                        v.append(c);
                    }
                }
                labels.put(label, v.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).trim().split(" ");
        double value = switch (rest[0]) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(rest[0]);
        };
        return new Sample(name, labels, value);
    }

    private static void checkName(String name, int n) {
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("line " + n + ": bad metric name \"" + name + "\"");
        }
    }

    /** The family a sample name belongs to (itself, or without _total/_bucket/_count/_sum/_created), or null. */
    public String family(String sample) {
        if (type.containsKey(sample)) {
            return sample;
        }
        for (String suffix : List.of("_total", "_bucket", "_count", "_sum", "_created")) {
            if (sample.endsWith(suffix) && type.containsKey(sample.substring(0, sample.length() - suffix.length()))) {
                return sample.substring(0, sample.length() - suffix.length());
            }
        }
        return null;
    }

    /** The # TYPE of a family, or null. */
    public String type(String family) {
        return type.get(family);
    }

    public String help(String family) {
        return help.get(family);
    }

    public Set<String> families() {
        return type.keySet();
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The value of the sample {@code name} whose labels are exactly {@code labels}; 0 when there is none. */
    public double value(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(new TreeMap<>(labels)))
                .mapToDouble(Sample::value).findFirst().orElse(0);
    }

    /** The samples named {@code name} whose labels include {@code labels}. */
    public List<Sample> matching(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name)
                && s.labels().entrySet().containsAll(labels.entrySet())).toList();
    }
}
