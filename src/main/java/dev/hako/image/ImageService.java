package dev.hako.image;

import dev.hako.image.spec.Digest;
import dev.hako.image.spec.ImageReference;
import dev.hako.image.spec.Sha256;
import dev.hako.image.spec.ImageConfig;
import dev.hako.config.HakoConfig;
import dev.hako.error.HakoException;
import dev.hako.metrics.Metrics;
import dev.hako.image.content.ContentStore;
import dev.hako.image.registry.RegistryAuth;
import dev.hako.image.registry.RegistryClient;
import dev.hako.log.Log;
import dev.hako.snapshot.SnapshotStore;
import dev.hako.store.ImageRow;
import dev.hako.store.ImageTable;
import dev.hako.store.MetadataStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Images on this node: pulling, listing, inspecting, removing, and what they cost on disk.
 *
 * <p>An image becomes visible only when its record is committed, and that happens after every
 * layer is verified and unpacked. Removal deletes blobs and layer directories no remaining image
 * needs; content a pull in progress depends on is never removed underneath it.
 */
public final class ImageService {
    private static final Log LOG = Log.of("image");
    private static final Pattern ID_PREFIX = Pattern.compile("(sha256:)?[a-f0-9]{12,64}");
    private static final long USAGE_CACHE_NANOS = 5_000_000_000L;

    private final ContentStore content;
    private final SnapshotStore snapshots;
    private final ImageTable table;
    private final Puller puller;
    private final LayerFetcher layers;
    private final Path root;
    private final ImageReference pauseImage;
    /** Blobs and layers that pulls in progress depend on: garbage collection leaves them alone. */
    private final Set<Digest> inUse = ConcurrentHashMap.newKeySet();
    /** Layers and config blobs that containers being created are about to use, with a count of holders. */
    private final java.util.Map<Digest, Integer> leased = new ConcurrentHashMap<>();
    /** Pulls commit under the read lock, removal collects garbage under the write lock. */
    private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();
    private volatile FsUsage cachedUsage;
    /** Layers containers are running on: kept even when no image record claims them any more. */
    private final Supplier<Collection<Digest>> layersInUse;

    private final RegistryClient registry;

    /** An image service for a node without containers (tests, tools): no layer is in use. */
    public ImageService(HakoConfig config, MetadataStore store) {
        this(config, store, List::of);
    }

    /** {@code layersInUse} names the layers containers run on, which garbage collection keeps. */
    public ImageService(HakoConfig config, MetadataStore store, Supplier<Collection<Digest>> layersInUse) {
        this.layersInUse = layersInUse;
        this.root = config.root();
        this.content = new ContentStore(config.root());
        this.snapshots = new SnapshotStore(config.root());
        this.table = new ImageTable(store);
        this.registry = new RegistryClient(config.image());
        this.layers = new LayerFetcher(content, snapshots, registry, config.image().maxConcurrentDownloads());
        this.puller = new Puller(content, registry, layers);
        this.pauseImage = ImageReference.parse(config.runtime().pauseImage(), "runtime.pause_image");
    }

    /**
     * Start-up housekeeping, before any pull can start: temp files of interrupted pulls go at once;
     * content no image record claims (a crash between unpacking and committing) is collected in the
     * background, so start-up does not wait for a walk of the store.
     */
    public void recover() {
        int ingest = content.cleanupIngest();
        snapshots.cleanupTemp();
        if (ingest > 0) {
            LOG.info("removed partial downloads of an interrupted run", "count", ingest);
        }
        Thread.ofVirtual().name("image-gc").start(() -> {
            int collected = collectGarbage();
            if (collected > 0) {
                LOG.info("removed content no image uses", "objects", collected);
            }
        });
    }

    /**
     * Links libcrypto's SHA-256 and initialises the HTTP/TLS client code, so the first pull after a
     * start does not pay for them (~250 ms of a fresh JVM's time); the daemon calls it in the background
     * once it serves. A pull that comes sooner simply waits for the same initialisation, not twice.
     */
    public void prepareForPulls() {
        try {
            Sha256.prepare();
            registry.prepare();
        } catch (RuntimeException e) {
            LOG.debug("could not prepare for pulls ahead of time", "error", e.toString());
        }
    }

    /** Pulls {@code text} (a reference) and returns the image's ID. */
    public String pull(String text, RegistryAuth auth, PullListener listener) {
        return Metrics.imagePull(() -> pullUnmetered(text, auth, listener));
    }

    private String pullUnmetered(String text, RegistryAuth auth, PullListener listener) {
        Sha256.prepare();
        ImageReference ref = ImageReference.parse(text, "image.image");
        long started = System.nanoTime();
        if (ref.digest() != null) {
            Optional<Image> local = completeImageNamed(ref.withDigest(ref.digest()));
            if (local.isPresent()) {
                nameImage(local.get(), ref, ref.digest());
                return local.get().id();
            }
        }
        Puller.Resolved resolved = puller.resolve(ref, auth);
        String id = resolved.manifest().config().digest().toString();
        Optional<Image> existing = find(id).filter(this::complete);
        if (existing.isPresent()) {
            nameImage(existing.get(), ref, resolved.topDigest());
            LOG.info("image up to date", "image", ref, "image_id", id);
            return id;
        }
        Set<Digest> claimed = claim(resolved);
        try {
            Puller.Pulled pulled = puller.fetch(ref, auth, resolved, listener, d -> claim(claimed, d));
            dev.hako.FaultPoints.reach("pull-before-record");
            commit(ref, pulled);
            Metrics.imagePullBytes(pulled.size());
            LOG.info("pulled image", "image", ref, "image_id", id, "bytes", pulled.size(),
                    "ms", (System.nanoTime() - started) / 1_000_000);
            return id;
        } catch (IOException e) {
            throw HakoException.internal("pulling " + ref + ": " + e.getMessage(), e);
        } finally {
            inUse.removeAll(claimed);
        }
    }

    private Set<Digest> claim(Puller.Resolved r) {
        Set<Digest> claimed = ConcurrentHashMap.newKeySet();
        claim(claimed, r.topDigest());
        claim(claimed, r.manifestDigest());
        claim(claimed, r.manifest().config().digest());
        r.manifest().layers().forEach(d -> claim(claimed, d.digest()));
        return claimed;
    }

    /** Marks content as needed by a pull; under the GC lock so a collection in progress finishes first. */
    private void claim(Set<Digest> claimed, Digest d) {
        gcLock.readLock().lock();
        try {
            claimed.add(d);
            inUse.add(d);
        } finally {
            gcLock.readLock().unlock();
        }
    }

    private void commit(ImageReference ref, Puller.Pulled p) {
        gcLock.readLock().lock();
        try {
            List<String> names = new ArrayList<>();
            if (ref.tag() != null) {
                names.add(ref.tagged());
            }
            names.add(ref.withDigest(p.topDigest()));
            table.save(new ImageRow(p.configDigest().toString(), p.manifestDigest().toString(), p.size(),
                    Layer.toJson(p.layers()), p.config().user(), Instant.now(), names));
            cachedUsage = null;
        } finally {
            gcLock.readLock().unlock();
        }
    }

    /** Points the reference's tag and digest at an image already here. */
    private void nameImage(Image image, ImageReference ref, Digest topDigest) {
        List<String> names = new ArrayList<>();
        if (ref.tag() != null) {
            names.add(ref.tagged());
        }
        names.add(ref.withDigest(topDigest));
        table.save(new ImageRow(image.id(), image.manifestDigest().toString(), image.size(), Layer.toJson(image.layers()),
                image.user(), image.createdAt(), names));
    }

    /** Records an image whose blobs and layers are already stored (an import); returns its ID. */
    String record(List<String> names, Digest manifestDigest, Digest configDigest, ImageConfig config, List<Layer> list,
                  long size) {
        gcLock.readLock().lock();
        try {
            table.save(new ImageRow(configDigest.toString(), manifestDigest.toString(), size, Layer.toJson(list),
                    config.user(), Instant.now(), names));
            cachedUsage = null;
            return configDigest.toString();
        } finally {
            gcLock.readLock().unlock();
        }
    }

    /** Imports every image in an OCI-layout or docker-save tar; returns ID and names of each. */
    public List<Imported> importTar(Path tar) {
        return new ImageImporter(this).importTar(tar).stream().map(i -> new Imported(i.id(), i.names())).toList();
    }

    public record Imported(String id, List<String> names) {}

    ContentStore content() {
        return content;
    }

    LayerFetcher layers() {
        return layers;
    }

    Set<Digest> inUse() {
        return inUse;
    }

    public List<Image> list() {
        return table.all().stream().map(this::toImage).toList();
    }

    /** The image {@code text} names (an ID, an ID prefix, a tag or a digest reference), if any. */
    public Optional<Image> find(String text) {
        if (ID_PREFIX.matcher(text).matches()) {
            String hex = text.startsWith("sha256:") ? text.substring(7) : text;
            if (hex.length() == 64) {
                Optional<ImageRow> row = table.byId("sha256:" + hex);
                if (row.isPresent()) {
                    return row.map(this::toImage);
                }
            } else {
                List<ImageRow> matches = table.all().stream().filter(r -> r.id().startsWith("sha256:" + hex)).toList();
                if (matches.size() == 1) {
                    return Optional.of(toImage(matches.getFirst()));
                }
            }
            if (text.startsWith("sha256:")) {
                return Optional.empty();
            }
        }
        ImageReference ref = ImageReference.parse(text, "image.image");
        String name = ref.digest() != null ? ref.withDigest(ref.digest()) : ref.tagged();
        Optional<String> id = table.idByName(name);
        if (id.isEmpty() && ref.digest() != null) {
            // a digest of the platform manifest, where the name records the index digest
            String digest = ref.digest().toString();
            id = table.all().stream().filter(r -> r.manifestDigest().equals(digest)
                    && r.names().stream().anyMatch(n -> n.startsWith(ref.name() + "@") || n.startsWith(ref.name() + ":")))
                    .map(ImageRow::id).findFirst();
        }
        return id.flatMap(table::byId).map(this::toImage);
    }

    /**
     * Removes what {@code text} names. A tag that is one of several names of its image removes only
     * that tag; an ID, a digest reference or an image's last tag removes the image. Unknown names
     * are not an error: the kubelet retries removals.
     */
    public void remove(String text) {
        Optional<Image> image = find(text);
        if (image.isEmpty()) {
            return;
        }
        Image img = image.get();
        if (!ID_PREFIX.matcher(text).matches()) {
            ImageReference ref = ImageReference.parse(text, "image.image");
            if (ref.digest() == null && img.repoTags().size() > 1) {
                table.removeName(ref.tagged());
                LOG.info("untagged image", "image", ref.tagged(), "image_id", img.id());
                return;
            }
        }
        gcLock.writeLock().lock();
        try {
            table.remove(img.id());
            int collected = collectGarbageLocked();
            cachedUsage = null;
            LOG.info("removed image", "image_id", img.id(), "names", String.join(",", names(img)), "freed_objects", collected);
        } finally {
            gcLock.writeLock().unlock();
        }
    }

    private static List<String> names(Image img) {
        List<String> out = new ArrayList<>(img.repoTags());
        out.addAll(img.repoDigests());
        return out;
    }

    private int collectGarbage() {
        gcLock.writeLock().lock();
        try {
            return collectGarbageLocked();
        } finally {
            gcLock.writeLock().unlock();
        }
    }

    /** Deletes blobs and layers no image record references and no pull in progress or lease needs. */
    private int collectGarbageLocked() {
        Set<Digest> keepBlobs = new HashSet<>(inUse);
        Set<Digest> keepLayers = new HashSet<>(inUse);
        keepBlobs.addAll(leased.keySet());
        keepLayers.addAll(leased.keySet());
        keepLayers.addAll(layersInUse.get());
        for (ImageRow row : table.all()) {
            keepBlobs.add(Digest.parseRemote(row.id(), "image id"));
            keepBlobs.add(Digest.parseRemote(row.manifestDigest(), "manifest digest"));
            for (String name : row.names()) {
                int at = name.indexOf('@');
                if (at > 0) {
                    keepBlobs.add(Digest.parseRemote(name.substring(at + 1), "image name " + name));
                }
            }
            for (Layer l : Layer.fromJson(row.layersJson())) {
                keepBlobs.add(l.digest());
                keepLayers.add(l.chainId());
            }
        }
        int removed = 0;
        for (Digest d : content.list()) {
            if (!keepBlobs.contains(d)) {
                content.delete(d);
                removed++;
            }
        }
        for (Digest chain : snapshots.list()) {
            if (!keepLayers.contains(chain)) {
                snapshots.remove(chain);
                removed++;
            }
        }
        return removed;
    }

    /** Used bytes and inodes of the image filesystem, recomputed at most every few seconds. */
    public FsUsage usage() {
        FsUsage u = cachedUsage;
        if (u == null || System.nanoTime() - u.computedNanos() > USAGE_CACHE_NANOS) {
            ContentStore.Usage c = content.usage();
            SnapshotStore.Usage s = snapshots.usage();
            u = new FsUsage(root, c.bytes() + s.bytes(), c.files() + s.inodes(), Instant.now(), System.nanoTime());
            cachedUsage = u;
        }
        return u;
    }

    public record FsUsage(Path mountpoint, long usedBytes, long inodesUsed, Instant timestamp, long computedNanos) {}

    private Optional<Image> completeImageNamed(String name) {
        return table.idByName(name).flatMap(table::byId).map(this::toImage).filter(this::complete);
    }

    /** An image record whose layers are all on disk (a crash can't break this, but an operator's rm can). */
    private boolean complete(Image img) {
        return img.layers().stream().allMatch(l -> snapshots.exists(l.chainId()) && content.has(l.digest()));
    }

    private Image toImage(ImageRow row) {
        List<String> tags = new ArrayList<>();
        List<String> digests = new ArrayList<>();
        for (String n : row.names()) {
            (n.contains("@") ? digests : tags).add(n);
        }
        boolean pinned = tags.contains(pauseImage.tagged()) || (pauseImage.digest() != null
                && digests.contains(pauseImage.withDigest(pauseImage.digest())));
        return new Image(row.id(), List.copyOf(tags), List.copyOf(digests), row.size(), row.user(),
                Digest.parseRemote(row.manifestDigest(), "manifest digest"), Layer.fromJson(row.layersJson()),
                row.createdAt(), pinned);
    }

    /**
     * A hold on an image's layers and config while a container is being created on them: garbage
     * collection (RemoveImage) leaves them alone until it is closed, even if the image's record goes
     * meanwhile. Close it once the container's record names the layers (or the create failed).
     *
     * <p>It lives in memory only: it is needed only as long as the create call, a crash ends the call,
     * and at the next start the half-done create is undone (from its intent row, which names the layers
     * too) before the first collection runs.
     */
    public final class Lease implements AutoCloseable {
        private final List<Digest> held;
        private boolean closed;

        private Lease(List<Digest> held) {
            this.held = held;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (Digest d : held) {
                leased.computeIfPresent(d, (k, n) -> n <= 1 ? null : n - 1);
            }
        }
    }

    /**
     * Leases {@code image}'s layers and config (see {@link Lease}).
     *
     * @throws HakoException NOT_FOUND when the image was removed since it was looked up
     */
    public Lease lease(Image image) {
        gcLock.readLock().lock();
        try {
            if (table.byId(image.id()).isEmpty() || !complete(image)) {
                throw HakoException.notFound("image " + image.id() + " was removed meanwhile; pull it again");
            }
            List<Digest> held = new ArrayList<>();
            held.add(Digest.parseRemote(image.id(), "image id"));
            image.layers().forEach(l -> held.add(l.chainId()));
            held.forEach(d -> leased.merge(d, 1, Integer::sum));
            return new Lease(held);
        } finally {
            gcLock.readLock().unlock();
        }
    }

    /**
     * The unpacked layers of {@code image} as their short links (all in one directory), bottom
     * first: the lowerdirs of a container rootfs.
     */
    public List<Path> layerDirs(Image image) {
        List<Path> out = new ArrayList<>();
        for (Layer l : image.layers()) {
            if (!snapshots.exists(l.chainId())) {
                throw HakoException.failedPrecondition("layer " + l.chainId() + " of image " + image.id()
                        + " is missing on disk; pull the image again");
            }
            out.add(snapshots.lowerDir(l.chainId()));
        }
        return out;
    }

    /** The image's parsed config. */
    public ImageConfig config(Image image) {
        return ImageConfig.parse(configOf(image), "image config " + image.id());
    }

    /** The image's config document, for ImageStatus verbose. */
    public byte[] configOf(Image image) {
        return content.read(Digest.parseRemote(image.id(), "image id"));
    }
}
