package dev.hako.image.registry;

import dev.hako.error.HakoException;
import java.io.Closeable;
import java.io.IOException;

/**
 * An open blob download. The caller reads and closes it, and verifies the digest while reading:
 * the client cannot, since it hands out the stream before the content has arrived. The body is
 * guarded: it fails past the descriptor's size, its deadline or a stall.
 *
 * @param length   the Content-Length, or -1 when the registry sent none
 * @param endpoint the base URL that answered (redirects to blob storage are already followed)
 */
public record BlobStream(GuardedBody body, long length, String endpoint) implements Closeable {
    /** Why the body was cut off, or null: a read failing with this set failed because of it. */
    public HakoException failure() {
        return body.failure();
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
