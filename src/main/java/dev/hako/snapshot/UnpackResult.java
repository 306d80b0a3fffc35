package dev.hako.snapshot;

import dev.hako.image.spec.Digest;

/**
 * What unpacking one layer found: the diffID (sha256 of the uncompressed tar, to check against the
 * image config's {@code rootfs.diff_ids}), the uncompressed size, and the number of tar entries.
 */
public record UnpackResult(Digest diffId, long uncompressedBytes, long entries) {}
