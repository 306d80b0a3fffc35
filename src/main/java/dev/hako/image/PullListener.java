package dev.hako.image;

import dev.hako.image.spec.Digest;
/** Progress of a pull, per layer; called from the threads doing the work, so implementations must be thread-safe. */
@FunctionalInterface
public interface PullListener {
    PullListener NONE = p -> { };

    void onLayer(LayerProgress progress);

    /** Where one layer stands: {@code done} of {@code total} compressed bytes. */
    record LayerProgress(Digest digest, long total, long done, Phase phase) {}

    enum Phase {
        /** queued behind {@code max_concurrent_downloads} */
        WAITING,
        /** downloading, and unpacking as the bytes arrive */
        PULLING,
        /** unpacking a blob already in the content store */
        UNPACKING,
        /** already present: nothing to do */
        EXISTS,
        DONE
    }
}
