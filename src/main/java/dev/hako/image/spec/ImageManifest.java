package dev.hako.image.spec;

import dev.hako.error.HakoException;
import java.util.ArrayList;
import java.util.List;

/** An OCI image manifest or Docker schema 2 manifest: one config and the layers, bottom first. */
public record ImageManifest(Descriptor config, List<Descriptor> layers) {

    public static ImageManifest parse(byte[] json, String where) {
        JsonFields f = JsonFields.parse(json, where);
        if (f.number("schemaVersion", 2) == 1) {
            throw HakoException.failedPrecondition(where + ": Docker schema 1 manifests are not supported; push the image again with a current client");
        }
        JsonFields config = f.object("config");
        if (config == null) {
            throw JsonFields.bad(where, "manifest has no config");
        }
        List<Descriptor> layers = new ArrayList<>();
        List<Object> entries = f.list("layers");
        for (int i = 0; i < entries.size(); i++) {
            Descriptor d = Descriptor.parse(JsonFields.of(entries.get(i), where + ".layers[" + i + "]"));
            if (MediaTypes.layerCompression(d.mediaType()) == null) {
                throw HakoException.failedPrecondition(where + ".layers[" + i + "]: unsupported layer media type \""
                        + d.mediaType() + "\"");
            }
            layers.add(d);
        }
        return new ImageManifest(Descriptor.parse(config), List.copyOf(layers));
    }
}
