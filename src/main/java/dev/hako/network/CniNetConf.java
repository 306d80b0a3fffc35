package dev.hako.network;

import dev.hako.error.HakoException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A loaded network configuration list: its name, CNI version and plugins, and the JSON it came from. */
record CniNetConf(Path file, String name, String cniVersion, List<Map<String, Object>> plugins,
                  Map<String, Object> raw) {

    /** Checks a configuration list read from {@code file} (or cached from it) and takes it apart. */
    @SuppressWarnings("unchecked")
    static CniNetConf parse(Path file, Map<String, Object> raw) {
        String where = "invalid CNI configuration " + file + ": ";
        if (!(raw.get("name") instanceof String name) || name.isEmpty()) {
            throw HakoException.failedPrecondition(where + "missing \"name\"");
        }
        if (!(raw.get("cniVersion") instanceof String version) || version.isEmpty()) {
            throw HakoException.failedPrecondition(where + "missing \"cniVersion\"");
        }
        if (!(raw.get("plugins") instanceof List<?> list) || list.isEmpty()) {
            throw HakoException.failedPrecondition(where + "missing or empty \"plugins\"");
        }
        List<Map<String, Object>> plugins = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m) || !(m.get("type") instanceof String t) || t.isEmpty()) {
                throw HakoException.failedPrecondition(where + "a plugin without \"type\"");
            }
            if (t.contains("/") || t.equals("..")) {
                throw HakoException.failedPrecondition(where + "bad plugin type " + t);
            }
            plugins.add((Map<String, Object>) m);
        }
        return new CniNetConf(file, name, version, plugins, raw);
    }
}
