package dev.hako.network;

import dev.hako.Readiness;
import dev.hako.config.NetworkSettings;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The CNI configuration and plugin directories: the first {@code .conflist}/{@code .conf}/{@code .json}
 * of the configuration directory (by file name) is the pod network, and its plugins are looked up in
 * the plugin directories. Readiness is re-evaluated only when one of those directories or files changed.
 */
final class CniConfigDir {
    private final NetworkSettings settings;
    private final Object readinessLock = new Object();
    private String readinessKey;
    private Readiness readiness;

    CniConfigDir(NetworkSettings settings) {
        this.settings = settings;
    }

    List<Path> binDirs() {
        return settings.cniBinDirs();
    }

    /** Ready while the configuration directory holds a valid network configuration whose plugins are all found. */
    Readiness readiness() {
        String key = changeKey();
        synchronized (readinessLock) {
            if (readiness != null && key.equals(readinessKey)) {
                return readiness;
            }
        }
        Readiness now;
        try {
            CniNetConf conf = load();
            for (Map<String, Object> plugin : conf.plugins()) {
                findPlugin((String) plugin.get("type"));
            }
            now = Readiness.READY;
        } catch (HakoException e) {
            now = Readiness.notReady("NetworkPluginNotReady", e.getMessage());
        }
        synchronized (readinessLock) {
            readinessKey = key;
            readiness = now;
        }
        return now;
    }

    /** Modification times (and sizes) of everything readiness depends on: equal keys, equal readiness. */
    private String changeKey() {
        StringBuilder key = new StringBuilder();
        Path dir = settings.cniConfDir();
        try {
            key.append(Files.getLastModifiedTime(dir).toMillis());
            for (Path f : confFiles()) {
                key.append('|').append(f.getFileName()).append(':').append(Files.getLastModifiedTime(f).toMillis())
                        .append(':').append(Files.size(f));
            }
        } catch (IOException | HakoException e) {
            key.append("?");
        }
        for (Path bin : settings.cniBinDirs()) {
            try {
                key.append('|').append(Files.getLastModifiedTime(bin).toMillis());
            } catch (IOException e) {
                key.append("|-");
            }
        }
        return key.toString();
    }

    private List<Path> confFiles() {
        Path dir = settings.cniConfDir();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String n = p.getFileName().toString();
                return (n.endsWith(".conflist") || n.endsWith(".conf") || n.endsWith(".json"))
                        && Files.isRegularFile(p);
            }).sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw HakoException.failedPrecondition("cannot list CNI configuration directory " + dir + ": " + e);
        }
    }

    /** Whether the configuration directory holds any network configuration (valid or not). */
    boolean hasConfiguration() {
        try {
            return !confFiles().isEmpty();
        } catch (HakoException e) {
            return false;
        }
    }

    /** The network configuration in use: the first file of the configuration directory; a lone plugin is wrapped as a list. */
    CniNetConf load() {
        List<Path> files = confFiles();
        if (files.isEmpty()) {
            throw HakoException.failedPrecondition("no CNI configuration in " + settings.cniConfDir());
        }
        Path file = files.getFirst();
        Map<String, Object> raw;
        try {
            raw = Json.parseObject(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            throw HakoException.failedPrecondition("invalid CNI configuration " + file + ": " + e.getMessage());
        }
        if (!file.getFileName().toString().endsWith(".conflist")) {
            Map<String, Object> list = new LinkedHashMap<>();
            list.put("cniVersion", raw.get("cniVersion"));
            list.put("name", raw.get("name"));
            list.put("plugins", List.of(raw));
            raw = list;
        }
        return CniNetConf.parse(file, raw);
    }

    /** The executable of plugin {@code type}: the first plugin directory that has it. */
    Path findPlugin(String type) {
        for (Path dir : settings.cniBinDirs()) {
            Path p = dir.resolve(type);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw HakoException.failedPrecondition("CNI plugin " + type + " not found in " + settings.cniBinDirs()
                + ": install it there or fix the plugin type in the CNI configuration in " + settings.cniConfDir());
    }
}
