package dev.hako.config;

import java.time.Duration;
import java.util.Map;

/**
 * The {@code [image]} table; registries are keyed by host name (with port, if any).
 *
 * @param maxLayerUncompressedBytes a layer whose tar stream is longer than this is refused while
 *                                  it unpacks (a gzip or zstd bomb cannot fill the disk)
 * @param downloadTimeout           the fixed part of every blob's deadline
 * @param downloadMinRate           bytes per second: a blob may take {@code size / rate} seconds
 *                                  more than {@code downloadTimeout}
 * @param allowForeignPlatforms     pull single-manifest images built for another OS or architecture
 */
public record ImageSettings(int maxConcurrentDownloads, Map<String, RegistryConfig> registries,
                            long maxLayerUncompressedBytes, Duration downloadTimeout, long downloadMinRate,
                            boolean allowForeignPlatforms) {
    /**
     * 64 GiB: several times the largest layers seen in practice (CUDA and ML images carry layers
     * of a few GiB up to ~20 GiB unpacked), while a bomb stops there instead of at a full disk.
     */
    public static final long DEFAULT_MAX_LAYER_UNCOMPRESSED_BYTES = 64L << 30;
    public static final Duration DEFAULT_DOWNLOAD_TIMEOUT = Duration.ofMinutes(10);
    /** 32 KiB/s (256 kbit/s per download): only a link slower than that ever trips a deadline. */
    public static final long DEFAULT_DOWNLOAD_MIN_RATE = 32 * 1024;

    /** The given concurrency and registries, every other key at its default. */
    public ImageSettings(int maxConcurrentDownloads, Map<String, RegistryConfig> registries) {
        this(maxConcurrentDownloads, registries, DEFAULT_MAX_LAYER_UNCOMPRESSED_BYTES, DEFAULT_DOWNLOAD_TIMEOUT,
                DEFAULT_DOWNLOAD_MIN_RATE, false);
    }

    /** How long a blob of {@code size} bytes (-1: unknown) may take from its response headers to its last byte. */
    public Duration blobDeadline(long size) {
        return downloadTimeout.plusSeconds(Math.max(0, size) / downloadMinRate);
    }

    /** The table of exactly {@code authority} (host or host:port), or null. */
    public RegistryConfig registry(String authority) {
        return registries.get(authority);
    }
}
