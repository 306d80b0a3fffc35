package dev.hako.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.ImageSettings;
import dev.hako.error.HakoException;
import dev.hako.error.HakoException.Kind;
import dev.hako.image.PullListener.Phase;
import dev.hako.image.content.ContentStore;
import dev.hako.image.registry.RegistryClient;
import dev.hako.image.spec.Digest;
import dev.hako.image.spec.ImageReference;
import dev.hako.image.spec.MediaTypes;
import dev.hako.snapshot.SnapshotStore;
import dev.hako.testing.TempDirs;
import dev.hako.testing.image.TarBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A layer made present from a local blob or the content store, on real stores in a temp directory.
 * The registry client is real but never reached: every case here has the blob already. Entries are
 * owned by the test's own user, so unpacking needs no root.
 */
class LayerFetcherTest {
    private static final ImageReference REF = ImageReference.parse("registry.test/app:1", "image");

    private Path root;
    private ContentStore content;
    private SnapshotStore snapshots;
    private RegistryClient registry;
    private LayerFetcher fetcher;
    private byte[] tar;
    private byte[] blob;
    private Layer layer;

    @BeforeEach
    void setUp() throws Exception {
        root = TempDirs.create("hako-fetch-");
        content = new ContentStore(root);
        snapshots = new SnapshotStore(root);
        registry = new RegistryClient(new ImageSettings(3, Map.of()));
        fetcher = new LayerFetcher(content, snapshots, registry, 2);
        int uid = (Integer) Files.getAttribute(root, "unix:uid");
        int gid = (Integer) Files.getAttribute(root, "unix:gid");
        tar = new TarBuilder().owner(uid, gid).dir("etc").file("etc/motd", "hello from a layer\n").bytes();
        blob = TarBuilder.gzip(tar);
        Digest diffId = Digest.sha256(tar);
        // a base layer's chain ID is its diff ID
        layer = new Layer(Digest.sha256(blob), blob.length, MediaTypes.OCI_LAYER_GZIP, diffId, diffId);
    }

    @AfterEach
    void tearDown() throws Exception {
        registry.close();
        TempDirs.delete(root);
    }

    private Path blobFile(byte[] data) throws Exception {
        return Files.write(root.resolve("layer.tar.gz"), data);
    }

    private void assertNoLeftovers() throws Exception {
        for (Path dir : List.of(root.resolve("content/ingest"), root.resolve("snapshots/tmp"))) {
            try (var files = Files.list(dir)) {
                assertThat(files.toList()).as(dir.toString()).isEmpty();
            }
        }
    }

    @Test
    void aLocalBlobIsStoredAndUnpacked() throws Exception {
        fetcher.ensureFromFile(layer, blobFile(blob));

        assertThat(content.read(layer.digest())).isEqualTo(blob);
        assertThat(snapshots.exists(layer.chainId())).isTrue();
        assertThat(snapshots.layerDir(layer.chainId()).resolve("etc/motd")).hasContent("hello from a layer");
        assertNoLeftovers();

        // a second import of the same layer finds both and does nothing
        fetcher.ensureFromFile(layer, blobFile(new byte[0]));
        assertThat(content.read(layer.digest())).isEqualTo(blob);
    }

    @Test
    void aLocalBlobWithAnotherDigestIsRefusedAndNothingIsKept() throws Exception {
        byte[] other = TarBuilder.gzip(new TarBuilder().file("x", "not the layer").bytes());
        Layer claimed = new Layer(layer.digest(), other.length, layer.mediaType(), layer.diffId(), layer.chainId());
        assertThatThrownBy(() -> fetcher.ensureFromFile(claimed, blobFile(other)))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DATA_LOSS))
                .hasMessageContaining("blob digest mismatch");
        assertThat(content.has(layer.digest())).isFalse();
        assertThat(snapshots.exists(layer.chainId())).isFalse();
        assertNoLeftovers();
    }

    @Test
    void aDiffIdTheTarDoesNotHaveIsDataLossAndTheSnapshotIsDiscarded() throws Exception {
        Digest promised = Digest.sha256(new byte[] {42});
        Layer lying = new Layer(layer.digest(), layer.size(), layer.mediaType(), promised, promised);
        assertThatThrownBy(() -> fetcher.ensureFromFile(lying, blobFile(blob)))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DATA_LOSS))
                .hasMessage("layer " + layer.digest() + ": the image config promises uncompressed content " + promised
                        + " but the layer unpacks to " + layer.diffId());
        assertThat(snapshots.exists(promised)).isFalse();
        assertThat(snapshots.exists(layer.diffId())).isFalse();
        // the blob itself matched its digest: it stays, verified
        assertThat(content.has(layer.digest())).isTrue();
        assertNoLeftovers();
    }

    @Test
    void aBlobAlreadyInTheStoreIsUnpackedWithoutTheRegistryThenFoundAsIs() throws Exception {
        content.put(blob, layer.digest());
        List<Phase> phases = new CopyOnWriteArrayList<>();

        fetcher.ensure(REF, null, layer, p -> phases.add(p.phase())).get(30, TimeUnit.SECONDS);
        assertThat(phases).containsExactly(Phase.UNPACKING, Phase.DONE);
        assertThat(snapshots.layerDir(layer.chainId()).resolve("etc/motd")).hasContent("hello from a layer");

        phases.clear();
        fetcher.ensure(REF, null, layer, p -> phases.add(p.phase())).get(30, TimeUnit.SECONDS);
        assertThat(phases).containsExactly(Phase.EXISTS);
        assertNoLeftovers();
    }

    @Test
    void aFailedEnsureCompletesItsFutureWithTheReason() throws Exception {
        content.put(blob, layer.digest());
        Digest promised = Digest.sha256(new byte[] {7});
        Layer lying = new Layer(layer.digest(), layer.size(), layer.mediaType(), promised, promised);
        assertThatThrownBy(() -> fetcher.ensure(REF, null, lying, PullListener.NONE).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DATA_LOSS));
        assertThat(snapshots.exists(promised)).isFalse();
        assertNoLeftovers();
    }
}
