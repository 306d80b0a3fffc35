package dev.hako.snapshot;

import dev.hako.error.HakoException;
import dev.hako.image.spec.MediaTypes;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Unpacks one image layer into an empty directory, in the form overlayfs stacks as a lowerdir:
 * whiteouts become 0:0 character devices, opaque markers the {@code trusted.overlay.opaque} xattr.
 * Each layer is unpacked alone (no parent layers present), so an image's layers can be unpacked in
 * parallel.
 *
 * <p>The archive is hostile until proven otherwise: nothing is ever created, changed or followed
 * outside the target directory. Names with {@code ..}, absolute names, names below a symlink and hard
 * links to anything but an existing file of this layer are rejected with a {@link HakoException}
 * (FAILED_PRECONDITION) naming the entry. Symlinks themselves are created with whatever target text
 * they carry: they are only ever resolved inside the container.
 *
 * <p>The pipeline: {@link LayerDecompression}, then {@link DigestingInputStream} (diffID and size
 * cap), then {@link LayerTarInputStream} (entries), each written by {@link EntryWriter} into a
 * {@link LayerTree}.
 */
public final class LayerUnpacker {
    private LayerUnpacker() {}

    static final int BUFFER = 128 * 1024;

    /**
     * Decompresses {@code layer} (per {@code compression}), unpacks the tar into {@code dir} (existing,
     * empty) and digests the uncompressed stream, read to its end even after the tar's end marker. The
     * caller's stream is not closed.
     */
    public static UnpackResult unpack(InputStream layer, MediaTypes.Compression compression, Path dir)
            throws IOException {
        return unpack(layer, compression, dir, Long.MAX_VALUE);
    }

    /**
     * As {@link #unpack(InputStream, MediaTypes.Compression, Path)}, refusing (FAILED_PRECONDITION) a
     * layer whose uncompressed stream is longer than {@code maxUncompressed} bytes as soon as it is:
     * a small blob that inflates without end (a gzip or zstd bomb) stops there, not at a full disk.
     */
    public static UnpackResult unpack(InputStream layer, MediaTypes.Compression compression, Path dir,
            long maxUncompressed) throws IOException {
        InputStream caller = new FilterInputStream(layer) {
            @Override
            public void close() {
                // the caller opened it, the caller closes it
            }
        };
        try (InputStream plain = LayerDecompression.open(caller, compression)) {
            DigestingInputStream tar = new DigestingInputStream(plain, maxUncompressed);
            LayerTarInputStream archive = new LayerTarInputStream(new BufferedInputStream(tar, BUFFER));
            LayerTree tree = new LayerTree(dir);
            EntryWriter writer = new EntryWriter(tree);
            long entries = 0;
            for (LayerTarInputStream.Entry e; (e = archive.next()) != null; entries++) {
                writer.apply(e, archive);
            }
            tree.finish();
            tar.drain();
            return new UnpackResult(tar.digest(), tar.count(), entries);
        }
    }
}
