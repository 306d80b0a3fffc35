package dev.hako.snapshot;

import dev.hako.error.HakoException;
import dev.hako.image.spec.Digest;
import dev.hako.image.spec.Sha256;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts and sha256-digests every byte read through it, skipped bytes included (a skip is a read
 * here), and refuses to deliver more than a limit: the uncompressed size cap of a layer.
 */
final class DigestingInputStream extends InputStream {
    private final InputStream in;
    private final Sha256 sha256 = Sha256.create();
    private final long limit;
    private byte[] scratch;
    private long count;

    DigestingInputStream(InputStream in) {
        this(in, Long.MAX_VALUE);
    }

    DigestingInputStream(InputStream in, long limit) {
        this.in = in;
        this.limit = limit;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            sha256.update((byte) b);
            counted(1);
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = in.read(buf, off, len);
        if (n > 0) {
            sha256.update(buf, off, n);
            counted(n);
        }
        return n;
    }

    private void counted(int n) {
        count += n;
        if (count > limit) {
            throw new HakoException(HakoException.Kind.FAILED_PRECONDITION, "unpacks to more than " + limit
                    + " bytes, the limit [image] max_layer_uncompressed_bytes sets");
        }
    }

    @Override
    public long skip(long n) throws IOException {
        if (scratch == null) {
            scratch = new byte[64 * 1024];
        }
        long skipped = 0;
        while (skipped < n) {
            int got = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
            if (got < 0) {
                break;
            }
            skipped += got;
        }
        return skipped;
    }

    /** Reads to the end, so the digest covers what follows the tar's end marker too. */
    void drain() throws IOException {
        while (skip(Long.MAX_VALUE) > 0) {
            // keep reading
        }
    }

    long count() {
        return count;
    }

    Digest digest() {
        return sha256.digest();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
