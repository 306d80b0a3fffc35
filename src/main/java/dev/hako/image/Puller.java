package dev.hako.image;

import dev.hako.image.spec.Descriptor;
import dev.hako.image.spec.Digest;
import dev.hako.image.spec.ImageReference;
import dev.hako.image.spec.MediaTypes;
import dev.hako.image.spec.Platform;
import dev.hako.image.spec.ImageConfig;
import dev.hako.image.spec.ImageManifest;
import dev.hako.image.spec.ImageIndex;
import dev.hako.error.HakoException;
import dev.hako.image.content.ContentStore;
import dev.hako.image.registry.BlobStream;
import dev.hako.image.registry.FetchedManifest;
import dev.hako.image.registry.RegistryAuth;
import dev.hako.image.registry.RegistryClient;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * One pull: resolve the reference to a platform manifest, fetch the config, make every layer present
 * (in parallel), then hand the finished image to {@link ImageService} to record. Everything already
 * in the content store is read from there, never fetched again.
 */
final class Puller {
    /** Configs are small JSON documents; anything bigger is refused rather than held in memory. */
    private static final int MAX_CONFIG_BYTES = 8 * 1024 * 1024;

    private final ContentStore content;
    private final RegistryClient registry;
    private final LayerFetcher layers;

    Puller(ContentStore content, RegistryClient registry, LayerFetcher layers) {
        this.content = content;
        this.registry = registry;
        this.layers = layers;
    }

    /** What a pull produced: everything needed to record the image. */
    record Pulled(Digest topDigest, Digest manifestDigest, Digest configDigest, ImageConfig config, List<Layer> layers,
                  long size) {}

    /** The platform manifest for {@code ref}, resolved through an index if there is one. */
    Resolved resolve(ImageReference ref, RegistryAuth auth) {
        FetchedManifest top = registry.fetchManifest(ref, ref.manifestReference(), auth);
        byte[] manifestBody = top.body();
        Digest manifestDigest = top.digest();
        String mediaType = top.mediaType();
        if (MediaTypes.isIndex(mediaType) || (mediaType == null || mediaType.isEmpty()) && looksLikeIndex(top.body())) {
            content.put(top.body(), top.digest());
            Descriptor chosen = ImageIndex.parse(top.body(), ref + " index").select(Platform.HOST, ref.toString());
            manifestDigest = chosen.digest();
            manifestBody = content.has(manifestDigest) ? content.read(manifestDigest)
                    : registry.fetchManifest(ref, manifestDigest.toString(), auth).body();
            if (!Digest.sha256(manifestBody).equals(manifestDigest)) {
                throw new HakoException(HakoException.Kind.DATA_LOSS, ref + ": manifest " + manifestDigest
                        + " from the index arrived with digest " + Digest.sha256(manifestBody));
            }
        }
        ImageManifest manifest = ImageManifest.parse(manifestBody, ref + " manifest " + manifestDigest);
        return new Resolved(top.digest(), manifestDigest, manifestBody, manifest, !manifestDigest.equals(top.digest()));
    }

    /** @param fromIndex the manifest was chosen from an index for this node's platform */
    record Resolved(Digest topDigest, Digest manifestDigest, byte[] manifestBody, ImageManifest manifest,
                    boolean fromIndex) {}

    Pulled fetch(ImageReference ref, RegistryAuth auth, Resolved resolved, PullListener listener,
                 java.util.function.Consumer<Digest> claim) throws IOException {
        ImageManifest manifest = resolved.manifest();
        Digest configDigest = manifest.config().digest();
        byte[] configBody = content.has(configDigest) ? content.read(configDigest) : fetchConfig(ref, auth, manifest.config());
        ImageConfig config = ImageConfig.parse(configBody, ref + " config " + configDigest);
        if (!resolved.fromIndex()) {
            checkPlatform(ref, config);
        }
        List<Layer> list = layersOf(ref, manifest, config);
        list.forEach(l -> claim.accept(l.chainId()));
        List<CompletableFuture<Void>> work = new ArrayList<>();
        for (Layer l : list) {
            work.add(layers.ensure(ref, auth, l, listener));
        }
        awaitAll(work);
        content.put(resolved.manifestBody(), resolved.manifestDigest());
        long size = manifest.config().size() + list.stream().mapToLong(Layer::size).sum();
        return new Pulled(resolved.topDigest(), resolved.manifestDigest(), configDigest, config, list, size);
    }

    static List<Layer> layersOf(Object source, ImageManifest manifest, ImageConfig config) {
        if (config.diffIds().size() != manifest.layers().size()) {
            throw new HakoException(HakoException.Kind.DATA_LOSS, source + ": the manifest lists "
                    + manifest.layers().size() + " layers but the config " + config.diffIds().size() + " diff IDs");
        }
        List<Digest> chains = config.chainIds();
        List<Layer> out = new ArrayList<>();
        for (int i = 0; i < manifest.layers().size(); i++) {
            Descriptor d = manifest.layers().get(i);
            out.add(new Layer(d.digest(), d.size(), d.mediaType(), config.diffIds().get(i), chains.get(i)));
        }
        return out;
    }

    private byte[] fetchConfig(ImageReference ref, RegistryAuth auth, Descriptor config) {
        if (config.size() > MAX_CONFIG_BYTES) {
            throw new HakoException(HakoException.Kind.FAILED_PRECONDITION, ref + ": image config of " + config.size()
                    + " bytes is larger than the " + MAX_CONFIG_BYTES + " Hako accepts");
        }
        BlobStream blob = registry.openBlob(ref, config.digest(), config.size(), auth);
        byte[] body;
        try (blob) {
            body = blob.body().readNBytes((int) config.size() + 1);
        } catch (IOException e) {
            HakoException cut = blob.failure();
            throw new HakoException(cut != null ? cut.kind() : HakoException.Kind.UNAVAILABLE, "downloading config "
                    + config.digest() + " of " + ref + ": " + (cut != null ? cut.getMessage() : e.getMessage()), e);
        }
        if (body.length != config.size()) {
            throw new HakoException(HakoException.Kind.DATA_LOSS, ref + ": config " + config.digest() + " should be "
                    + config.size() + " bytes, received " + body.length);
        }
        content.put(body, config.digest());
        return body;
    }

    /**
     * A single-manifest image must be for this node's platform (an index was already narrowed to it):
     * otherwise its binaries fail with "exec format error" at start, long after the pull "worked".
     */
    private void checkPlatform(ImageReference ref, ImageConfig config) {
        if (registry.settings().allowForeignPlatforms()) {
            return;
        }
        // a config that leaves a field out (hand-made images) is not refused for it
        String os = config.os().isEmpty() ? Platform.HOST.os() : config.os();
        String arch = switch (config.architecture()) {
            case "" -> Platform.HOST.architecture();
            case "x86_64", "x86-64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> config.architecture();
        };
        Platform image = new Platform(os, arch, config.variant());
        if (!Platform.HOST.runs(image)) {
            throw HakoException.failedPrecondition("image " + ref + " is for platform " + image + ", but this node is "
                    + Platform.HOST + " (set [image] allow_foreign_platforms = true to pull it anyway)");
        }
    }

    private static void awaitAll(List<CompletableFuture<Void>> work) throws IOException {
        Throwable first = null;
        for (CompletableFuture<Void> f : work) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (first == null) {
                    first = e.getCause();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HakoException(HakoException.Kind.UNAVAILABLE, "pull interrupted");
            }
        }
        if (first instanceof RuntimeException r) {
            throw r;
        }
        if (first instanceof IOException io) {
            throw io;
        }
        if (first != null) {
            throw HakoException.internal("layer failed: " + first, first);
        }
    }

    private static boolean looksLikeIndex(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 4096), java.nio.charset.StandardCharsets.UTF_8);
        return s.contains("\"manifests\"") && !s.contains("\"layers\"");
    }
}
