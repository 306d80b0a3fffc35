package dev.hako.image.spec;

/**
 * An OCI content descriptor: what a manifest or index says about a blob it references.
 *
 * @param platform only in index entries; null elsewhere
 */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform) {

    public static Descriptor parse(JsonFields f) {
        String mediaType = f.string("mediaType", "");
        Digest digest = Digest.parseRemote(f.string("digest", null), f.where() + ".digest");
        long size = f.number("size", -1);
        if (size < 0) {
            throw JsonFields.bad(f.where() + ".size", "missing or negative");
        }
        Platform platform = null;
        JsonFields p = f.object("platform");
        if (p != null) {
            platform = new Platform(p.string("os", ""), p.string("architecture", ""), p.string("variant", ""));
        }
        return new Descriptor(mediaType, digest, size, platform);
    }
}
