package dev.hako.spec;

import dev.hako.image.spec.ImageConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The parts of the image config a container spec uses. */
record ImageParts(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user) {
    static ImageParts of(ImageConfig image) {
        if (image == null) {
            return new ImageParts(List.of(), List.of(), List.of(), "", "");
        }
        Map<String, Object> raw = image.raw();
        Map<?, ?> config = raw != null && raw.get("config") instanceof Map<?, ?> m ? m : Map.of();
        String user = image.user() != null && !image.user().isEmpty() ? image.user()
                : config.get("User") instanceof String s ? s : "";
        return new ImageParts(strings(config.get("Entrypoint")), strings(config.get("Cmd")), strings(config.get("Env")),
                config.get("WorkingDir") instanceof String w ? w : "", user);
    }

    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof String s) {
                    out.add(s);
                }
            }
        }
        return out;
    }
}
