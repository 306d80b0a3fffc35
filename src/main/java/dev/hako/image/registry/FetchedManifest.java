package dev.hako.image.registry;

import dev.hako.image.spec.Digest;

/**
 * A manifest (or index) as a registry served it.
 *
 * @param body      the exact bytes, which the digest covers
 * @param mediaType the Content-Type without parameters, or the body's {@code mediaType} when the
 *                  registry sent none or a generic one
 * @param digest    sha256 of {@code body}, verified against the request when it asked for a digest
 * @param endpoint  the base URL that answered, e.g. {@code https://mirror.example.com}
 */
public record FetchedManifest(byte[] body, String mediaType, Digest digest, String endpoint) {}
