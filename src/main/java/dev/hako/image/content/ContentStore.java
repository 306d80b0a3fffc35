package dev.hako.image.content;

import dev.hako.error.HakoException;
import dev.hako.image.spec.Digest;
import dev.hako.image.spec.Sha256;
import dev.hako.log.Log;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Blobs addressed by digest under {@code <root>/content/blobs/<alg>/<hex>}. Content arrives through an
 * {@link Ingest}: a temp file under {@code ingest/} that digests and counts every byte written, and
 * is renamed into place only when digest and size match what was expected. So a blob file that
 * exists is always complete and correct; a crash leaves at most an ingest file, removed at start-up.
 */
public final class ContentStore {
    private static final Log LOG = Log.of("content");

    private final Path blobs;
    private final Path ingest;

    public ContentStore(Path root) {
        Path base = root.resolve("content");
        this.blobs = base.resolve("blobs");
        this.ingest = base.resolve("ingest");
        try {
            // private images' layers are no business of other host users: 0700, like everything under root
            dev.hako.sys.PrivateFiles.directory(base);
            Files.createDirectories(blobs.resolve("sha256"));
            Files.createDirectories(ingest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create content store under " + base, e);
        }
    }

    public Path path(Digest d) {
        return blobs.resolve(d.algorithm()).resolve(d.hex());
    }

    public boolean has(Digest d) {
        return Files.isRegularFile(path(d));
    }

    public long size(Digest d) {
        try {
            return Files.size(path(d));
        } catch (IOException e) {
            return -1;
        }
    }

    /** The whole blob, re-verified: small documents (manifests, configs) are read this way. */
    public byte[] read(Digest d) {
        try {
            byte[] data = Files.readAllBytes(path(d));
            if (!verify(data, d)) {
                throw new HakoException(HakoException.Kind.DATA_LOSS, "content " + d + " on disk is corrupt");
            }
            return data;
        } catch (NoSuchFileException e) {
            throw HakoException.notFound("content " + d + " is not in the store");
        } catch (IOException e) {
            throw HakoException.internal("cannot read content " + d + ": " + e.getMessage(), e);
        }
    }

    private static boolean verify(byte[] data, Digest d) {
        MessageDigest md = d.newMessageDigest();
        md.update(data);
        return new Digest(d.algorithm(), java.util.HexFormat.of().formatHex(md.digest())).equals(d);
    }

    /** Stores a small blob held in memory, verifying it against {@code expected}. */
    public void put(byte[] data, Digest expected) {
        if (has(expected)) {
            return;
        }
        try (Ingest in = begin()) {
            in.write(data);
            in.commit(expected, data.length);
        }
    }

    /** Starts writing a new blob; close without commit to abandon it. */
    public Ingest begin() {
        Path tmp = ingest.resolve(UUID.randomUUID().toString());
        try {
            return new Ingest(tmp, FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw HakoException.internal("cannot create ingest file " + tmp + ": " + e.getMessage(), e);
        }
    }

    public void delete(Digest d) {
        try {
            Files.deleteIfExists(path(d));
        } catch (IOException e) {
            LOG.warn("cannot delete a blob; the next garbage collection (image removal or start) retries", "digest", d,
                    "path", path(d), "error", Log.cause(e));
        }
    }

    /** Every blob in the store. */
    public List<Digest> list() {
        List<Digest> out = new ArrayList<>();
        try (Stream<Path> algs = Files.list(blobs)) {
            for (Path alg : algs.toList()) {
                try (Stream<Path> files = Files.list(alg)) {
                    for (Path f : files.toList()) {
                        try {
                            out.add(new Digest(alg.getFileName().toString(), f.getFileName().toString()));
                        } catch (IllegalArgumentException notABlob) {
                            // not ours; leave it
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Removes ingest files and scratch directories left by a crash or kill; called at start-up, before any pull. */
    public int cleanupIngest() {
        int removed = 0;
        try (Stream<Path> files = Files.list(ingest)) {
            for (Path f : files.toList()) {
                deleteScratch(f);
                removed++;
            }
        } catch (IOException e) {
            LOG.warn("cannot clean the directory of partial downloads; retried at the next start", "path", ingest,
                    "error", Log.cause(e));
        }
        return removed;
    }

    /** A new directory beside the ingest files, on the same filesystem as the store, for work such as an import. */
    public Path scratchDir(String name) {
        Path dir = ingest.resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw HakoException.internal("cannot create " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /** Deletes a scratch file or directory tree (never following symlinks). */
    public void deleteScratch(Path p) {
        try {
            dev.hako.sys.FileTrees.delete(p);
        } catch (IOException e) {
            LOG.warn("cannot delete a partial download; removed at the next start", "path", p, "error", Log.cause(e));
        }
    }

    /** Bytes and files of all blobs. */
    public Usage usage() {
        long bytes = 0;
        long files = 0;
        for (Digest d : list()) {
            bytes += Math.max(0, size(d));
            files++;
        }
        return new Usage(bytes, files);
    }

    public record Usage(long bytes, long files) {}

    /** A blob being written: digest and size are computed as bytes arrive. */
    public final class Ingest extends OutputStream {
        private final Path tmp;
        private final FileChannel file;
        private final Sha256 sha256 = Sha256.create();
        private long written;
        private boolean done;

        private Ingest(Path tmp, FileChannel file) {
            this.tmp = tmp;
            this.file = file;
        }

        @Override
        public void write(byte[] b) {
            write(b, 0, b.length);
        }

        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            sha256.update(b, off, len);
            ByteBuffer buf = ByteBuffer.wrap(b, off, len);
            try {
                while (buf.hasRemaining()) {
                    file.write(buf);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + tmp, e);
            }
            written += len;
        }

        public long written() {
            return written;
        }

        /**
         * Verifies and moves the blob into place. {@code expectedSize} &lt; 0 skips the size check.
         * A mismatch deletes the temp file and fails with both digests (or sizes).
         */
        public void commit(Digest expected, long expectedSize) {
            Digest actual = sha256.digest();
            try {
                if (expectedSize >= 0 && written != expectedSize) {
                    throw new HakoException(HakoException.Kind.DATA_LOSS, "blob " + expected + ": expected " + expectedSize
                            + " bytes, received " + written);
                }
                if (!expected.algorithm().equals("sha256") || !actual.equals(expected)) {
                    throw new HakoException(HakoException.Kind.DATA_LOSS, "blob digest mismatch: expected " + expected
                            + ", received content with digest " + actual);
                }
                file.force(true);
                file.close();
                Files.move(tmp, path(expected), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                done = true;
            } catch (IOException e) {
                throw HakoException.internal("cannot store blob " + expected + ": " + e.getMessage(), e);
            } finally {
                if (!done) {
                    close();
                }
            }
        }

        /** Abandons the blob unless it was committed. */
        @Override
        public void close() {
            try {
                file.close();
                if (!done) {
                    Files.deleteIfExists(tmp);
                    done = true;
                }
            } catch (IOException e) {
                LOG.warn("cannot remove a partial download; removed at the next start", "path", tmp, "error", Log.cause(e));
            }
        }
    }
}
