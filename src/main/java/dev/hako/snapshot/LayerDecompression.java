package dev.hako.snapshot;

import dev.hako.image.spec.MediaTypes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/** The decompressor a layer's media type calls for. */
final class LayerDecompression {
    private LayerDecompression() {}

    /** {@code in} read through the decompressor for {@code compression}; closing the result closes {@code in}. */
    static InputStream open(InputStream in, MediaTypes.Compression compression) throws IOException {
        return switch (compression) {
            case NONE -> in;
            // true: a gzip stream may hold several members (pigz and some registries write them)
            case GZIP -> new GzipCompressorInputStream(new BufferedInputStream(in, LayerUnpacker.BUFFER), true);
            case ZSTD -> new ZstdCompressorInputStream(in);
        };
    }
}
