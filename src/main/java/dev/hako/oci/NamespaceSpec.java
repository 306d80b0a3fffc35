package dev.hako.oci;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** One entry of {@code linux.namespaces}: join the namespace at {@code path}, or make a new one when it is null. */
public record NamespaceSpec(String type, Path path) {
    /** A new namespace of {@code type}. */
    public static NamespaceSpec fresh(String type) {
        return new NamespaceSpec(type, null);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("type", type);
        if (path != null) {
            out.put("path", path.toString());
        }
        return out;
    }
}
