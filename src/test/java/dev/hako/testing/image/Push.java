package dev.hako.testing.image;

import dev.hako.image.spec.Digest;
import dev.hako.image.spec.MediaTypes;
import dev.hako.testing.registry.RegistryPusher;

/** Pushes {@link TestImage}s with the test harness's pusher. */
public final class Push {
    private Push() {}

    /** Pushes layers, config and manifest; tags the manifest {@code tag}. Returns the manifest digest. */
    public static Digest image(RegistryPusher pusher, String repo, String tag, TestImage image) {
        for (byte[] blob : image.layerBlobs) {
            pusher.pushBlob(repo, blob);
        }
        pusher.pushBlob(repo, image.config);
        return pusher.pushManifest(repo, tag, MediaTypes.OCI_MANIFEST, image.manifest);
    }

    /** Pushes every image (by digest) and an index over them tagged {@code tag}. Returns the index digest. */
    public static Digest index(RegistryPusher pusher, String repo, String tag, TestImage... images) {
        for (TestImage i : images) {
            image(pusher, repo, i.manifestDigest().toString(), i);
        }
        return pusher.pushManifest(repo, tag, MediaTypes.OCI_INDEX, TestImage.index(images));
    }
}
