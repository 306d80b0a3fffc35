package dev.hako.image.registry;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * An open blob download. The caller reads and closes it, and verifies the digest while reading:
 * the client cannot, since it hands out the stream before the content has arrived.
 *
 * @param length   the Content-Length, or -1 when the registry sent none
 * @param endpoint the base URL that answered (redirects to blob storage are already followed)
 */
public record BlobStream(InputStream body, long length, String endpoint) implements Closeable {
    @Override
    public void close() throws IOException {
        body.close();
    }
}
