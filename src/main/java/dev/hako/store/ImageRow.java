package dev.hako.store;

import java.time.Instant;
import java.util.List;

/**
 * An image as stored: its ID (config digest), the platform manifest it came from, the layers as a
 * JSON document the image package owns, and every name (repo tag or repo digest) pointing at it.
 */
public record ImageRow(String id, String manifestDigest, long size, String layersJson, String user, Instant createdAt,
                       List<String> names) {
    public ImageRow {
        names = List.copyOf(names);
    }
}
