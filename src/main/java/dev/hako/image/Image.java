package dev.hako.image;

import dev.hako.image.spec.Digest;
import java.time.Instant;
import java.util.List;

/**
 * An image as the rest of Hako sees it.
 *
 * @param id           {@code sha256:<config digest>}, the CRI image ID
 * @param repoTags     {@code name:tag} references that point at it
 * @param repoDigests  {@code name@digest} references that point at it
 * @param size         bytes of the config and the compressed layers
 * @param user         the config's User (e.g. {@code 1000}, {@code nginx:nginx}), empty for root
 * @param pinned       exempt from the kubelet's image garbage collection (the pause image)
 */
public record Image(String id, List<String> repoTags, List<String> repoDigests, long size, String user,
                    Digest manifestDigest, List<Layer> layers, Instant createdAt, boolean pinned) {}
