package dev.hako;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The guardian of the layering the README's "Architecture" section states: it reads every source file
 * under src/main/java, collects which {@code dev.hako} packages each one uses (imports and qualified
 * names), and fails on a package cycle, on any use that runs upward, on one sideways between two
 * mechanisms not listed in {@link #SIDEWAYS}, and on a CRI adapter reaching past the services to a
 * mechanism not listed in {@link #CRI_REACHES}.
 */
class ArchitectureTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/hako");

    /** Top to bottom; a package may use packages of its own layer (services only) or of the layers below. */
    private static final List<Layer> LAYERS = List.of(
            new Layer("entry points", true, "cli"),
            new Layer("daemon", true, "daemon"),
            new Layer("CRI adapters", true, "cri", "admin.v1"),
            new Layer("services", true, "pod", "container", "image", "stats"),
            new Layer("CRI to OCI translation", true, "spec"),
            new Layer("CRI messages", true, "cri.v1"),
            new Layer("mechanisms", false, "oci", "monitor", "network", "snapshot", "image.registry",
                    "image.content", "store", "stream"),
            new Layer("vocabulary", true, "image.spec", "config", "error", "json", "log", "metrics", "trace",
                    ""),
            new Layer("Linux calls", true, "sys"));

    /** The mechanisms that build on another one, each for a reason. */
    private static final Set<String> SIDEWAYS = Set.of(
            "monitor -> oci"); // conmon runs the OCI runtime and passes it the runtime's own arguments

    /**
     * The CRI adapters talk to the services; these are the mechanisms they may still reach directly,
     * each for what the CRI asks of it. (The daemon, which wires everything together, may use any.)
     */
    private static final Set<String> CRI_REACHES = Set.of(
            "cri -> stream",          // exec/attach/port-forward answer with the streaming server's URLs
            "cri -> oci",             // Status and the handler list report the runtime handlers and host cgroups
            "cri -> network",         // Status reports the network condition; UpdateRuntimeConfig sets the pod CIDR
            "cri -> image.registry"); // PullImage's credentials

    private static final Pattern USE = Pattern.compile("\\bdev\\.hako\\.((?:[a-z][a-z0-9_]*\\.)*?)[A-Z]");
    private static final Pattern PACKAGE = Pattern.compile("^package dev\\.hako(?:\\.([a-z0-9_.]+))?;", Pattern.MULTILINE);
    private static final Pattern COMMENTS_AND_STRINGS =
            Pattern.compile("//[^\\n]*|/\\*.*?\\*/|\"\"\".*?\"\"\"|\"(?:\\\\.|[^\"\\\\\\n])*\"", Pattern.DOTALL);

    @Test
    void everyPackageHasALayer() throws IOException {
        List<String> unplaced = new ArrayList<>();
        for (String p : graph().keySet()) {
            if (layerOf(p) < 0) {
                unplaced.add(p.isEmpty() ? "dev.hako" : "dev.hako." + p);
            }
        }
        assertEquals(List.of(), unplaced, "packages the README's layering does not place; add them to LAYERS and the README");
    }

    @Test
    void usesRunDownwardOnly() throws IOException {
        List<String> wrong = new ArrayList<>();
        graph().forEach((from, uses) -> uses.forEach((to, where) -> {
            int a = layerOf(from);
            int b = layerOf(to);
            if (a < 0 || b < 0) {
                return; // reported by everyPackageHasALayer
            }
            boolean sideways = a == b && !LAYERS.get(a).sideways() && !SIDEWAYS.contains(from + " -> " + to);
            boolean pastServices = LAYERS.get(a).packages().contains("cri") && LAYERS.get(b).name().equals("mechanisms")
                    && !CRI_REACHES.contains(from + " -> " + to);
            if (b < a || sideways || pastServices) {
                wrong.add(name(from) + " (" + LAYERS.get(a).name() + ") uses " + name(to) + " ("
                        + LAYERS.get(b).name() + ") in " + where);
            }
        }));
        if (!wrong.isEmpty()) {
            fail(wrong.size() + " uses against the layering:\n  " + String.join("\n  ", wrong));
        }
    }

    @Test
    void packagesFormNoCycle() throws IOException {
        Map<String, Map<String, String>> g = graph();
        List<String> cycles = new ArrayList<>();
        Map<String, Integer> state = new TreeMap<>(); // 1 on the path, 2 done
        for (String p : g.keySet()) {
            findCycles(p, g, state, new ArrayList<>(), cycles);
        }
        if (!cycles.isEmpty()) {
            fail("package cycles:\n  " + String.join("\n  ", cycles));
        }
    }

    @Test
    void theLayeringReadsTheSameInTheReadme() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        List<String> missing = new ArrayList<>();
        for (Layer layer : LAYERS) {
            for (String p : layer.packages()) {
                if (!p.isEmpty() && !readme.contains("`" + p + "`")) {
                    missing.add(p);
                }
            }
        }
        assertEquals(List.of(), missing, "packages the README's architecture section does not name");
    }

    private static void findCycles(String p, Map<String, Map<String, String>> g, Map<String, Integer> state,
                                   List<String> path, List<String> cycles) {
        Integer s = state.get(p);
        if (s != null && s == 2) {
            return;
        }
        if (s != null && s == 1) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(p), path.size()));
            cycle.add(p);
            cycles.add(String.join(" -> ", cycle.stream().map(ArchitectureTest::name).toList()));
            return;
        }
        state.put(p, 1);
        path.add(p);
        for (String next : g.getOrDefault(p, Map.of()).keySet()) {
            findCycles(next, g, state, path, cycles);
        }
        path.removeLast();
        state.put(p, 2);
    }

    /** package -> (used package -> the first file that uses it), packages relative to dev.hako ("" is dev.hako). */
    private static Map<String, Map<String, String>> graph() throws IOException {
        Map<String, Map<String, String>> g = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                String text = Files.readString(file);
                Matcher pm = PACKAGE.matcher(text);
                if (!pm.find()) {
                    continue;
                }
                String from = pm.group(1) == null ? "" : pm.group(1);
                Map<String, String> uses = g.computeIfAbsent(from, k -> new TreeMap<>());
                String code = COMMENTS_AND_STRINGS.matcher(text.substring(pm.end())).replaceAll(" ");
                Matcher m = USE.matcher(code);
                while (m.find()) {
                    String to = m.group(1).isEmpty() ? "" : m.group(1).substring(0, m.group(1).length() - 1);
                    if (!to.equals(from)) {
                        uses.putIfAbsent(to, SOURCES.getParent().getParent().relativize(file).toString());
                    }
                }
            }
        }
        // generated packages (cri.v1, admin.v1) have no sources here: they appear as used only
        Set<String> used = new TreeSet<>();
        g.values().forEach(u -> used.addAll(u.keySet()));
        used.forEach(p -> g.putIfAbsent(p, new LinkedHashMap<>()));
        return g;
    }

    private static int layerOf(String pkg) {
        for (int i = 0; i < LAYERS.size(); i++) {
            if (LAYERS.get(i).packages().contains(pkg)) {
                return i;
            }
        }
        return -1;
    }

    private static String name(String pkg) {
        return pkg.isEmpty() ? "dev.hako" : pkg;
    }

    /** {@code sideways}: whether packages of this layer may use each other (acyclically). */
    private record Layer(String name, boolean sideways, String... packageNames) {
        List<String> packages() {
            return List.of(packageNames);
        }
    }
}
