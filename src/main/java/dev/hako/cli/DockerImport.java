package dev.hako.cli;

import dev.hako.json.Json;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code hako config import-docker FILE}: turns Docker's daemon.json into a hako.toml fragment.
 * Carried over: {@code runtimes} (handlers; Docker's built-in runc is added), {@code default-runtime},
 * {@code registry-mirrors} (mirrors of docker.io) and {@code insecure-registries} (host[:port] only;
 * CIDR ranges cannot be expressed). Every other key is a warning on {@code warn}.
 */
final class DockerImport {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private DockerImport() {}

    static String toToml(String daemonJson, PrintStream warn) {
        Map<String, Object> doc = Json.parseObject(daemonJson);
        StringBuilder runtime = new StringBuilder();
        StringBuilder handlers = new StringBuilder();
        Map<String, StringBuilder> registries = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : doc.entrySet()) {
            switch (e.getKey()) {
                case "default-runtime" -> {
                    if (e.getValue() instanceof String name) {
                        runtime.append("default_handler = ").append(quote(name)).append('\n');
                    } else {
                        warn.println("hako: default-runtime: not a string, skipped");
                    }
                }
                case "runtimes" -> handlers(e.getValue(), handlers, warn);
                case "registry-mirrors" -> {
                    List<String> mirrors = strings(e.getValue(), "registry-mirrors", warn);
                    if (!mirrors.isEmpty()) {
                        registry(registries, "docker.io").append("mirrors = ").append(array(mirrors)).append('\n');
                    }
                }
                case "insecure-registries" -> {
                    for (String host : strings(e.getValue(), "insecure-registries", warn)) {
                        if (host.contains("/")) {
                            warn.println("hako: insecure-registries: \"" + host
                                    + "\" is a CIDR range; Hako marks hosts insecure one by one, skipped");
                        } else {
                            registry(registries, host).append("insecure = true\n");
                        }
                    }
                }
                default -> warn.println("hako: " + e.getKey() + ": no Hako equivalent, not carried over");
            }
        }
        StringBuilder out = new StringBuilder("# from Docker's daemon.json by hako config import-docker\n");
        if (!runtime.isEmpty() || !handlers.isEmpty()) {
            out.append("[runtime]\n").append(runtime);
            out.append(handlers);
        }
        registries.forEach((host, body) -> out.append("[image.registries.").append(quote(host)).append("]\n").append(body));
        return out.toString();
    }

    private static void handlers(Object value, StringBuilder out, PrintStream warn) {
        if (!(value instanceof Map<?, ?> runtimes)) {
            warn.println("hako: runtimes: not an object, skipped");
            return;
        }
        if (!runtimes.containsKey("runc")) {
            // Docker always has runc; a handler table in hako.toml replaces Hako's built-in list
            out.append("[runtime.handlers.runc]\n");
        }
        for (Map.Entry<?, ?> r : runtimes.entrySet()) {
            String name = String.valueOf(r.getKey());
            if (!DNS_LABEL.matcher(name).matches()) {
                warn.println("hako: runtimes." + name + ": not a DNS-1123 label, which RuntimeClass handlers must be; skipped");
                continue;
            }
            if (!(r.getValue() instanceof Map<?, ?> rt)) {
                warn.println("hako: runtimes." + name + ": not an object, skipped");
                continue;
            }
            if (!(rt.get("path") instanceof String)) {
                warn.println("hako: runtimes." + name + ": no path (a containerd shim runtimeType cannot be run under conmon), skipped");
                continue;
            }
            out.append("[runtime.handlers.").append(name).append("]\n");
            for (Map.Entry<?, ?> k : rt.entrySet()) {
                String key = String.valueOf(k.getKey());
                switch (key) {
                    case "path" -> out.append("path = ").append(quote(String.valueOf(k.getValue()))).append('\n');
                    case "runtimeArgs" -> out.append("args = ")
                            .append(array(strings(k.getValue(), "runtimes." + name + ".runtimeArgs", warn))).append('\n');
                    default -> warn.println("hako: runtimes." + name + "." + key
                            + ": no Hako equivalent (Hako runs OCI runtimes under conmon, not containerd shims), not carried over");
                }
            }
        }
    }

    private static StringBuilder registry(Map<String, StringBuilder> registries, String host) {
        return registries.computeIfAbsent(host, h -> new StringBuilder());
    }

    private static List<String> strings(Object value, String key, PrintStream warn) {
        List<String> out = new ArrayList<>();
        if (!(value instanceof List<?> list)) {
            warn.println("hako: " + key + ": not a list, skipped");
            return out;
        }
        for (Object o : list) {
            if (o instanceof String s) {
                out.add(s);
            } else {
                warn.println("hako: " + key + ": element " + o + " is not a string, skipped");
            }
        }
        return out;
    }

    private static String array(List<String> values) {
        return "[" + String.join(", ", values.stream().map(DockerImport::quote).toList()) + "]";
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
