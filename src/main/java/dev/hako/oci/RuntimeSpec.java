package dev.hako.oci;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An OCI runtime spec (a bundle's {@code config.json}) as typed records. {@link #toJson()} gives the
 * JSON tree {@code Json.write} writes, in the order Hako has always written it.
 *
 * @param hostname    null: not written (the container has the host's UTS namespace or no hostname)
 * @param annotations in the order given
 */
public record RuntimeSpec(String ociVersion, ProcessSpec process, RootSpec root, String hostname,
                          List<MountSpec> mounts, Map<String, String> annotations, LinuxSpec linux) {
    public RuntimeSpec {
        mounts = List.copyOf(mounts);
        annotations = Collections.unmodifiableMap(new LinkedHashMap<>(annotations));
    }

    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ociVersion", ociVersion);
        out.put("process", process.toJson());
        out.put("root", root.toJson());
        if (hostname != null) {
            out.put("hostname", hostname);
        }
        out.put("mounts", MountSpec.toJson(mounts));
        out.put("annotations", new LinkedHashMap<>(annotations));
        out.put("linux", linux.toJson());
        return out;
    }
}
