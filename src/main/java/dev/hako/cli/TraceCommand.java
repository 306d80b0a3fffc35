package dev.hako.cli;

import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.PodSandbox;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.json.Json;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code hako trace POD}: where a pod's start-up time went, from the {@code timings} PodSandboxStatus
 * reports with verbose on: RunPodSandbox, then each container's CreateContainer and StartContainer, each
 * with its phases indented under it, when it began (from the pod's first call) and how long it took.
 */
final class TraceCommand {
    private static final int NAME_COLUMN = 36;

    private TraceCommand() {}

    static boolean trace(CriClient c, String given, Output format, PrintStream out, PrintStream err) {
        return Each.of(List.of(given), err, "tracing pod", g -> {
            String id = resolve(c, g);
            var r = c.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).setVerbose(true)
                    .build());
            String json = r.getInfoMap().getOrDefault("timings", "[]");
            if (format == Output.JSON) {
                out.print(Json.pretty(json).strip() + "\n");
            } else {
                out.print(tree(id, parse(json)));
            }
        });
    }

    /** A pod ID or unique prefix, else a pod name (the newest attempt; "NAMESPACE/NAME" when names repeat). */
    static String resolve(CriClient c, String given) {
        Ids ids = new Ids(c);
        Optional<String> byId = Ids.find("pod", given, ids.pods());
        if (byId.isPresent()) {
            return byId.get();
        }
        int slash = given.indexOf('/');
        String namespace = slash < 0 ? null : given.substring(0, slash);
        String name = slash < 0 ? given : given.substring(slash + 1);
        List<PodSandbox> named = new ArrayList<>();
        for (PodSandbox p : c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            if (p.getMetadata().getName().equals(name) && (namespace == null || p.getMetadata().getNamespace().equals(namespace))) {
                named.add(p);
            }
        }
        List<String> namespaces = named.stream().map(p -> p.getMetadata().getNamespace()).distinct().sorted().toList();
        if (namespaces.size() > 1) {
            throw new Ids.UnknownIdException("pod name \"" + given + "\" is ambiguous: it is in namespaces "
                    + String.join(", ", namespaces) + "; give NAMESPACE/NAME or the pod ID");
        }
        return named.stream().max(Comparator.comparingLong(PodSandbox::getCreatedAt)).map(PodSandbox::getId)
                .orElseThrow(() -> new Ids.UnknownIdException("no such pod: " + given));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> parse(String json) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (Json.parse(json) instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m) {
                    out.add((Map<String, Object>) m);
                }
            }
        }
        return out;
    }

    /** The indented tree: calls at the left, their phases under them; then the calls' total. */
    static String tree(String podId, List<Map<String, Object>> timings) {
        if (timings.isEmpty()) {
            return "no start-up timings for pod " + podId + ": they are kept in memory from the daemon's start, so a"
                    + " pod created before it has none\n";
        }
        Map<Long, List<Map<String, Object>>> children = new LinkedHashMap<>();
        Instant first = null;
        for (Map<String, Object> t : timings) {
            children.computeIfAbsent(number(t, "parent"), k -> new ArrayList<>()).add(t);
            Instant start = Instant.parse(String.valueOf(t.get("start")));
            if (number(t, "parent") == 0 && (first == null || start.isBefore(first))) {
                first = start;
            }
        }
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-" + NAME_COLUMN + "s %10s %10s%n", "PHASE", "AT",
                "DURATION"));
        double total = 0;
        for (Map<String, Object> call : children.getOrDefault(0L, List.of())) {
            total += millis(call);
            print(s, call, 0, children, first);
        }
        s.append(String.format(Locale.ROOT, "%-" + NAME_COLUMN + "s %10s %10s%n", "total (the calls above)", "",
                ms(total)));
        return s.toString();
    }

    private static void print(StringBuilder s, Map<String, Object> t, int depth, Map<Long, List<Map<String, Object>>> children,
                              Instant first) {
        String container = String.valueOf(t.getOrDefault("container", ""));
        String name = "  ".repeat(depth) + t.get("name") + (depth == 0 && !container.isEmpty() ? " " + container : "")
                + (Boolean.TRUE.equals(t.get("failed")) ? " (failed)" : "");
        double at = Duration.between(first, Instant.parse(String.valueOf(t.get("start")))).toNanos() / 1e6;
        s.append(String.format(Locale.ROOT, "%-" + NAME_COLUMN + "s %10s %10s%n", name, ms(at), ms(millis(t))));
        for (Map<String, Object> child : children.getOrDefault(number(t, "id"), List.of())) {
            print(s, child, depth + 1, children, first);
        }
    }

    private static String ms(double millis) {
        return String.format(Locale.ROOT, "%.1f ms", millis);
    }

    private static double millis(Map<String, Object> t) {
        return t.get("duration_ms") instanceof Number n ? n.doubleValue() : 0;
    }

    private static long number(Map<String, Object> t, String key) {
        return t.get(key) instanceof Number n ? n.longValue() : 0;
    }
}
