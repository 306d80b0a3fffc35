package dev.hako.image;

import dev.hako.trace.Trace;
import dev.hako.image.spec.Digest;
import dev.hako.image.spec.ImageReference;
import dev.hako.image.spec.MediaTypes;
import dev.hako.error.HakoException;
import dev.hako.image.PullListener.LayerProgress;
import dev.hako.image.PullListener.Phase;
import dev.hako.image.content.ContentStore;
import dev.hako.image.registry.BlobStream;
import dev.hako.image.registry.RegistryAuth;
import dev.hako.image.registry.RegistryClient;
import dev.hako.log.Log;
import dev.hako.snapshot.LayerUnpacker;
import dev.hako.snapshot.SnapshotStore;
import dev.hako.snapshot.UnpackResult;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * Makes one layer present: its blob verified in the content store and its unpacked directory in the
 * snapshot store. The download is unpacked as it streams in (one pass over the network, no second
 * read of the blob from disk). Work is shared: however many pulls ask for the same layer at the
 * same time, it is fetched and unpacked once.
 */
final class LayerFetcher {
    private static final Log LOG = Log.of("image");
    private static final int BUFFER = 128 * 1024;

    private final ContentStore content;
    private final SnapshotStore snapshots;
    private final RegistryClient registry;
    private final Semaphore downloads;
    private final ConcurrentHashMap<Digest, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();

    LayerFetcher(ContentStore content, SnapshotStore snapshots, RegistryClient registry, int maxConcurrentDownloads) {
        this.content = content;
        this.snapshots = snapshots;
        this.registry = registry;
        this.downloads = new Semaphore(maxConcurrentDownloads, true);
    }

    /** Starts (or joins) the work for {@code layer}; the future fails with the reason when it cannot be done. */
    CompletableFuture<Void> ensure(ImageReference ref, RegistryAuth auth, Layer layer, PullListener listener) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> existing = inFlight.putIfAbsent(layer.chainId(), mine);
        if (existing != null) {
            return existing;
        }
        dev.hako.trace.Phase pull = Trace.current(); // the layer's phases nest under the pull on the thread that asked
        Thread.ofVirtual().name("layer-" + layer.digest().shortHex()).start(() -> {
            try (Trace.Scope s = Trace.resume(pull); dev.hako.trace.Phase p = Trace.phase("layer")) {
                p.attribute("oci.layer.digest", layer.digest().toString()).attribute("oci.layer.size", layer.size());
                fetch(ref, auth, layer, listener);
                mine.complete(null);
            } catch (Throwable t) {
                mine.completeExceptionally(t);
            } finally {
                inFlight.remove(layer.chainId(), mine);
            }
        });
        return mine;
    }

    /** Loads a layer from a local file (an import): the file is the compressed blob. */
    void ensureFromFile(Layer layer, Path blob) throws IOException {
        if (!content.has(layer.digest())) {
            try (InputStream in = Files.newInputStream(blob); ContentStore.Ingest ingest = content.begin()) {
                in.transferTo(ingest);
                ingest.commit(layer.digest(), layer.size());
            }
        }
        if (!snapshots.exists(layer.chainId())) {
            unpackFromStore(layer, PullListener.NONE);
        }
    }

    private void fetch(ImageReference ref, RegistryAuth auth, Layer layer, PullListener listener) throws Exception {
        boolean haveBlob = content.has(layer.digest());
        boolean haveSnapshot = snapshots.exists(layer.chainId());
        if (haveBlob && haveSnapshot) {
            listener.onLayer(new LayerProgress(layer.digest(), layer.size(), layer.size(), Phase.EXISTS));
            return;
        }
        if (haveBlob) {
            unpackFromStore(layer, listener);
            listener.onLayer(new LayerProgress(layer.digest(), layer.size(), layer.size(), Phase.DONE));
            return;
        }
        listener.onLayer(new LayerProgress(layer.digest(), layer.size(), 0, Phase.WAITING));
        downloads.acquire();
        Permit permit = new Permit(downloads);
        try {
            download(ref, auth, layer, listener, !haveSnapshot, permit);
        } finally {
            permit.release();
        }
        listener.onLayer(new LayerProgress(layer.digest(), layer.size(), layer.size(), Phase.DONE));
    }

    /**
     * @param permit released as soon as the body has been read: flushing the layer to disk needs no
     *               connection, so the next layer's download overlaps with it
     */
    private void download(ImageReference ref, RegistryAuth auth, Layer layer, PullListener listener, boolean unpack,
                          Permit permit) throws IOException {
        long started = System.nanoTime();
        Path prepared = unpack ? snapshots.prepare() : null;
        boolean committed = false;
        BlobStream blob = null;
        try {
            blob = registry.openBlob(ref, layer.digest(), layer.size(), auth);
            try (ContentStore.Ingest ingest = content.begin()) {
                Tee tee = new Tee(new Progress(blob.body(), layer, listener), ingest);
                UnpackResult result;
                // the body is unpacked as it arrives: one phase for both, its attribute says so
                try (dev.hako.trace.Phase fetching = Trace.phase("layer fetch").attribute("hako.layer.unpacked_while_fetching",
                        String.valueOf(unpack))) {
                    result = unpack ? unpack(ref, layer, tee, prepared) : null;
                    tee.transferTo(OutputNowhere.INSTANCE); // whatever the decompressor did not need still counts for the digest
                }
                blob.close();
                permit.release();
                dev.hako.FaultPoints.reach("pull-mid-layer");
                try (dev.hako.trace.Phase verifying = Trace.phase("layer verify")) {
                    ingest.commit(layer.digest(), layer.size());
                    if (unpack) {
                        checkDiffId(layer, result);
                    }
                }
                if (unpack) {
                    snapshots.commit(prepared, layer.chainId());
                    committed = true;
                }
            }
            LOG.debug("layer pulled", "digest", layer.digest(), "bytes", layer.size(), "from", blob.endpoint(),
                    "ms", (System.nanoTime() - started) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            // a body cut off for its size, deadline or a stall fails every read after: say why, not "closed"
            HakoException cut = blob == null ? null : blob.failure();
            if (cut != null) {
                LOG.warn("layer download cut off; the pull fails and the kubelet retries it", "digest", layer.digest(), "image", ref,
                        "reason", cut.getMessage());
                throw new HakoException(cut.kind(), "downloading layer " + layer.digest() + " of " + ref + ": "
                        + cut.getMessage(), e);
            }
            if (e instanceof IOException) {
                throw new HakoException(HakoException.Kind.UNAVAILABLE, "downloading layer " + layer.digest() + " of "
                        + ref + ": " + e.getMessage(), e);
            }
            throw (RuntimeException) e;
        } finally {
            if (blob != null) {
                try {
                    blob.close();
                } catch (IOException e) {
                    // the response is abandoned either way
                }
            }
            if (unpack && !committed) {
                snapshots.discard(prepared);
            }
        }
    }

    /** Unpacks under the configured size cap; a refusal names the layer (and the image, when pulling one). */
    private UnpackResult unpack(ImageReference ref, Layer layer, InputStream in, Path prepared) throws IOException {
        try {
            return LayerUnpacker.unpack(in, MediaTypes.layerCompression(layer.mediaType()), prepared,
                    registry.settings().maxLayerUncompressedBytes());
        } catch (HakoException e) {
            throw new HakoException(e.kind(), "layer " + layer.digest() + (ref == null ? "" : " of " + ref) + ": "
                    + e.getMessage(), e);
        }
    }

    private void unpackFromStore(Layer layer, PullListener listener) throws IOException {
        listener.onLayer(new LayerProgress(layer.digest(), layer.size(), 0, Phase.UNPACKING));
        Path prepared = snapshots.prepare();
        boolean committed = false;
        try (InputStream in = Files.newInputStream(content.path(layer.digest()))) {
            UnpackResult result = Trace.in("layer unpack", () -> unpack(null, layer, in, prepared));
            Trace.run("layer verify", () -> checkDiffId(layer, result));
            snapshots.commit(prepared, layer.chainId());
            committed = true;
        } finally {
            if (!committed) {
                snapshots.discard(prepared);
            }
        }
    }

    private static void checkDiffId(Layer layer, UnpackResult result) {
        if (!result.diffId().equals(layer.diffId())) {
            throw new HakoException(HakoException.Kind.DATA_LOSS, "layer " + layer.digest()
                    + ": the image config promises uncompressed content " + layer.diffId()
                    + " but the layer unpacks to " + result.diffId());
        }
    }

    /** A download slot, given back once: when the body is read, or when the download ends otherwise. */
    private static final class Permit {
        private final Semaphore slots;
        private boolean held = true;

        Permit(Semaphore slots) {
            this.slots = slots;
        }

        void release() {
            if (held) {
                held = false;
                slots.release();
            }
        }
    }

    /** Copies every byte read into the ingest file as the unpacker consumes the stream. */
    private static final class Tee extends FilterInputStream {
        private final ContentStore.Ingest sink;

        Tee(InputStream in, ContentStore.Ingest sink) {
            super(in);
            this.sink = sink;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                sink.write(b);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = in.read(buf, off, len);
            if (n > 0) {
                sink.write(buf, off, n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // skipping must still pass the bytes through the digest
            byte[] scratch = new byte[(int) Math.min(BUFFER, Math.max(n, 1))];
            long skipped = 0;
            while (skipped < n) {
                int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        @Override
        public long transferTo(java.io.OutputStream out) throws IOException {
            byte[] buf = new byte[BUFFER];
            long total = 0;
            int n;
            while ((n = read(buf, 0, buf.length)) > 0) {
                out.write(buf, 0, n);
                total += n;
            }
            return total;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }

    /** Reports bytes received, at most every 100 ms, so a CLI can draw a progress bar. */
    private static final class Progress extends FilterInputStream {
        private final Layer layer;
        private final PullListener listener;
        private long done;
        private long lastReport;

        Progress(InputStream in, Layer layer, PullListener listener) {
            super(in);
            this.layer = layer;
            this.listener = listener;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = in.read(buf, off, len);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) {
            done += n;
            long now = System.nanoTime();
            if (now - lastReport > 100_000_000L) {
                lastReport = now;
                listener.onLayer(new LayerProgress(layer.digest(), layer.size(), done, Phase.PULLING));
            }
        }
    }

    private static final class OutputNowhere extends java.io.OutputStream {
        static final OutputNowhere INSTANCE = new OutputNowhere();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
