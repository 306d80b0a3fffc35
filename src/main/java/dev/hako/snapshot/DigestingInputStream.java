package dev.hako.snapshot;

import dev.hako.image.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;

/** Counts and sha256-digests every byte read through it, skipped bytes included (a skip is a read here). */
final class DigestingInputStream extends InputStream {
    private final InputStream in;
    private final MessageDigest sha256 = Digest.newSha256();
    private byte[] scratch;
    private long count;

    DigestingInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            sha256.update((byte) b);
            count++;
        }
        return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = in.read(buf, off, len);
        if (n > 0) {
            sha256.update(buf, off, n);
            count += n;
        }
        return n;
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
        return Digest.ofSha256(sha256);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
