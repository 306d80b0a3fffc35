package dev.hako.oci;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code root} of an OCI runtime spec: the container's root file system. */
public record RootSpec(String path, boolean readonly) {
    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("path", path);
        out.put("readonly", readonly);
        return out;
    }
}
