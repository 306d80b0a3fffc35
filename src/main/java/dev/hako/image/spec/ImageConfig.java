package dev.hako.image.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The parts of an image config Hako needs now (the rest is kept raw for ImageStatus verbose and,
 * later, for container creation).
 *
 * @param diffIds digests of the uncompressed layers, bottom first: what unpacking must reproduce
 */
public record ImageConfig(String user, List<Digest> diffIds, String os, String architecture, String variant,
                          Map<String, Object> raw) {

    public static ImageConfig parse(byte[] json, String where) {
        JsonFields f = JsonFields.parse(json, where);
        JsonFields config = f.object("config");
        String user = config == null ? "" : config.string("User", "");
        JsonFields rootfs = f.object("rootfs");
        if (rootfs == null) {
            throw JsonFields.bad(where, "image config has no rootfs");
        }
        List<Digest> diffIds = new ArrayList<>();
        List<Object> ids = rootfs.list("diff_ids");
        for (int i = 0; i < ids.size(); i++) {
            diffIds.add(Digest.parseRemote(ids.get(i) instanceof String s ? s : null, where + ".rootfs.diff_ids[" + i + "]"));
        }
        return new ImageConfig(user == null ? "" : user, List.copyOf(diffIds), f.string("os", ""),
                f.string("architecture", ""), f.string("variant", ""), f.raw());
    }

    /** Chain IDs of the layers: each names a layer together with everything below it. */
    public List<Digest> chainIds() {
        List<Digest> out = new ArrayList<>();
        Digest chain = null;
        for (Digest diff : diffIds) {
            chain = chain == null ? diff
                    : Digest.sha256((chain + " " + diff).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.add(chain);
        }
        return out;
    }
}
