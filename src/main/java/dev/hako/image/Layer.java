package dev.hako.image;

import dev.hako.image.spec.Digest;
import dev.hako.image.spec.JsonFields;
import dev.hako.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One layer of an image: the blob the registry serves ({@code digest}, {@code size}, {@code mediaType})
 * and what it becomes on disk ({@code diffId} of its tar, {@code chainId} of it with everything below).
 */
public record Layer(Digest digest, long size, String mediaType, Digest diffId, Digest chainId) {

    static String toJson(List<Layer> layers) {
        List<Object> out = new ArrayList<>();
        for (Layer l : layers) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("digest", l.digest().toString());
            m.put("size", l.size());
            m.put("mediaType", l.mediaType());
            m.put("diffID", l.diffId().toString());
            m.put("chainID", l.chainId().toString());
            out.add(m);
        }
        return Json.write(out);
    }

    static List<Layer> fromJson(String json) {
        List<Layer> out = new ArrayList<>();
        for (Object o : (List<?>) Json.parse(json)) {
            JsonFields f = JsonFields.of(o, "stored layer");
            out.add(new Layer(Digest.parseRemote(f.string("digest", null), "stored layer digest"), f.number("size", 0),
                    f.string("mediaType", ""), Digest.parseRemote(f.string("diffID", null), "stored layer diffID"),
                    Digest.parseRemote(f.string("chainID", null), "stored layer chainID")));
        }
        return out;
    }
}
