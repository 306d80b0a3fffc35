package dev.hako.oci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One entry of an OCI runtime spec's {@code mounts}; {@link #toJson()} gives it in config.json's field order. */
public record MountSpec(String destination, String type, String source, List<String> options) {
    public MountSpec {
        options = List.copyOf(options);
    }

    /** A bind mount of {@code source} at {@code destination}. */
    public static MountSpec bind(String destination, String source, List<String> options) {
        return new MountSpec(destination, "bind", source, options);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", destination);
        m.put("type", type);
        m.put("source", source);
        m.put("options", new ArrayList<>(options));
        return m;
    }

    /** The {@code mounts} list of config.json. */
    public static List<Map<String, Object>> toJson(List<MountSpec> mounts) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (MountSpec m : mounts) {
            out.add(m.toJson());
        }
        return out;
    }
}
