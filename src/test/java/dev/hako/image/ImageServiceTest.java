package dev.hako.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.ConfigLoader;
import dev.hako.config.HakoConfig;
import dev.hako.error.HakoException;
import dev.hako.error.HakoException.Kind;
import dev.hako.image.content.ContentStore;
import dev.hako.image.spec.Digest;
import dev.hako.snapshot.SnapshotStore;
import dev.hako.store.MetadataStore;
import dev.hako.testing.TempDirs;
import dev.hako.testing.image.TarBuilder;
import dev.hako.testing.image.TestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ImageService on real stores in a temp directory, with images imported from tars the test builds:
 * no registry is ever reached (the one pull here is answered from the node), and layer entries are
 * owned by the test's own user, so unpacking needs no root.
 */
class ImageServiceTest {
    private static final String APP = "registry.test/team/app:1";

    private Path root;
    private HakoConfig config;
    private MetadataStore store;
    private ImageService images;
    private ContentStore content;
    private SnapshotStore snapshots;
    private int uid;
    private int gid;
    private TarBuilder base;
    private TarBuilder top;

    @BeforeEach
    void setUp() throws Exception {
        root = TempDirs.create("hako-images-");
        HakoConfig defaults = ConfigLoader.fromToml("", null);
        config = new HakoConfig(defaults.socket(), root, root.resolve("state"), defaults.logLevel(), defaults.runtime(),
                defaults.image(), defaults.network(), defaults.stream(), defaults.metrics(), defaults.tracing());
        store = MetadataStore.open(config.databaseFile());
        images = new ImageService(config, store);
        content = new ContentStore(root);
        snapshots = new SnapshotStore(root);
        uid = (Integer) Files.getAttribute(root, "unix:uid");
        gid = (Integer) Files.getAttribute(root, "unix:gid");
        base = new TarBuilder().owner(uid, gid).dir("etc").file("etc/motd", "base layer\n");
        top = new TarBuilder().owner(uid, gid).dir("app").file("app/run", "top layer\n");
    }

    @AfterEach
    void tearDown() {
        store.close();
        TempDirs.delete(root);
    }

    /**
     * An ImageService that keeps the layers {@code inUse} names, as the daemon wires it to the containers
     * (the one place to change when that becomes a constructor argument).
     */
    private ImageService withLayersInUse(Supplier<Collection<Digest>> inUse) {
        return new ImageService(config, store, inUse);
    }

    private TestImage image(String user, byte[]... layers) {
        TestImage.Builder b = TestImage.builder().user(user);
        for (byte[] l : layers) {
            b.layer(l);
        }
        return b.build();
    }

    private Image importOci(TestImage image, String name) throws Exception {
        Path tar = root.resolve("import-" + image.manifestDigest().hex() + ".tar");
        image.writeOciLayout(tar, name);
        List<ImageService.Imported> imported = images.importTar(tar);
        assertThat(imported).hasSize(1);
        assertThat(imported.getFirst().id()).isEqualTo(image.id());
        return images.find(image.id()).orElseThrow();
    }

    private static Consumer<HakoException> kind(Kind kind) {
        return e -> assertThat(e.kind()).isEqualTo(kind);
    }

    @Test
    void anImportedImageIsListedWithItsNamesSizeAndLayers() throws Exception {
        byte[] baseTar = base.bytes();
        byte[] topTar = top.bytes();
        TestImage app = image("1000:1000", baseTar, topTar);
        Image image = importOci(app, APP);

        assertThat(images.list()).containsExactly(image);
        assertThat(image.id()).isEqualTo(app.id());
        assertThat(image.repoTags()).containsExactly(APP);
        assertThat(image.repoDigests()).containsExactly("registry.test/team/app@" + app.manifestDigest());
        assertThat(image.manifestDigest()).isEqualTo(app.manifestDigest());
        assertThat(image.user()).isEqualTo("1000:1000");
        assertThat(image.pinned()).isFalse();
        assertThat(image.size()).isEqualTo(app.config.length + app.layerBlobs.get(0).length + app.layerBlobs.get(1).length);
        assertThat(image.layers()).extracting(Layer::diffId).containsExactly(Digest.sha256(baseTar), Digest.sha256(topTar));
        assertThat(image.layers().getFirst().chainId()).isEqualTo(Digest.sha256(baseTar)); // a base layer's chain ID is its diff ID

        assertThat(images.configOf(image)).isEqualTo(app.config);
        assertThat(images.config(image).user()).isEqualTo("1000:1000");
        List<Path> lowers = images.layerDirs(image);
        assertThat(lowers).hasSize(2);
        assertThat(lowers.get(0).resolve("etc/motd")).hasContent("base layer");
        assertThat(lowers.get(1).resolve("app/run")).hasContent("top layer");
    }

    @Test
    void findsAnImageByIdShortIdTagAndDigest() throws Exception {
        TestImage app = image("", base.bytes());
        Image image = importOci(app, APP);
        String hex = Digest.parseRemote(app.id(), "id").hex();

        assertThat(images.find(app.id())).contains(image);
        assertThat(images.find(hex)).contains(image);
        assertThat(images.find(hex.substring(0, 12))).contains(image);
        assertThat(images.find("sha256:" + hex.substring(0, 12))).contains(image);
        assertThat(images.find(APP)).contains(image);
        assertThat(images.find("registry.test/team/app@" + app.manifestDigest())).contains(image);

        assertThat(images.find("registry.test/team/app:2")).isEmpty();
        assertThat(images.find("registry.test/other@" + app.manifestDigest())).isEmpty();
        assertThat(images.find("sha256:" + "0".repeat(64))).isEmpty();
        assertThat(images.find("0".repeat(12))).isEmpty(); // a prefix of no ID is tried as a name, and names nothing
    }

    @Test
    void badReferencesAreInvalidArgumentsNamingTheField() throws Exception {
        assertThatThrownBy(() -> images.find("Registry.test/App:1"))
                .isInstanceOfSatisfying(HakoException.class, kind(Kind.INVALID_ARGUMENT))
                .hasMessageStartingWith("image.image: invalid image reference \"Registry.test/App:1\"");
        assertThatThrownBy(() -> images.remove("app:-bad"))
                .isInstanceOfSatisfying(HakoException.class, kind(Kind.INVALID_ARGUMENT))
                .hasMessageStartingWith("image.image: ");
        assertThatThrownBy(() -> images.pull("", null, null))
                .isInstanceOfSatisfying(HakoException.class, kind(Kind.INVALID_ARGUMENT))
                .hasMessage("image.image: image reference is empty");
    }

    @Test
    void importErrorsNameThePath() throws Exception {
        Path missing = root.resolve("missing.tar");
        assertThatThrownBy(() -> images.importTar(missing))
                .isInstanceOfSatisfying(HakoException.class, kind(Kind.INVALID_ARGUMENT))
                .hasMessage("path: " + missing + " is not a file");
        Path empty = Files.write(root.resolve("empty.tar"), new byte[1024]);
        assertThatThrownBy(() -> images.importTar(empty))
                .isInstanceOfSatisfying(HakoException.class, kind(Kind.INVALID_ARGUMENT))
                .hasMessageStartingWith("path: cannot import " + empty + ": ");
        assertThat(images.list()).isEmpty();
    }

    @Test
    void aPullByDigestOfAnImageHereNeedsNoRegistry() throws Exception {
        TestImage app = image("", base.bytes());
        importOci(app, APP);
        String byDigest = "registry.test/team/app@" + app.manifestDigest();
        assertThat(images.pull(byDigest, null, null)).isEqualTo(app.id());
        assertThat(images.find(APP)).isPresent();
    }

    @Test
    void theLastTagRemovesTheImageAndWhatOnlyItUsed() throws Exception {
        byte[] baseTar = base.bytes();
        TestImage app = image("", baseTar, top.bytes());
        TestImage other = image("other", baseTar);
        Image appImage = importOci(app, APP);
        Image otherImage = importOci(other, "registry.test/other:1");
        Digest sharedChain = appImage.layers().get(0).chainId();
        Digest topChain = appImage.layers().get(1).chainId();
        Digest topBlob = appImage.layers().get(1).digest();

        images.remove(APP);

        assertThat(images.list()).containsExactly(otherImage);
        assertThat(snapshots.exists(topChain)).isFalse();
        assertThat(content.has(topBlob)).isFalse();
        assertThat(content.has(Digest.parseRemote(app.id(), "id"))).isFalse();
        assertThat(content.has(app.manifestDigest())).isFalse();
        assertThat(snapshots.exists(sharedChain)).isTrue(); // the other image's base layer too
        assertThat(images.layerDirs(otherImage)).hasSize(1);

        images.remove(other.id());
        assertThat(images.list()).isEmpty();
        assertThat(snapshots.list()).isEmpty();
        assertThat(content.list()).isEmpty();
        images.remove(other.id()); // unknown: not an error, the kubelet retries removals
    }

    @Test
    void aTagOfSeveralOnlyUntags() throws Exception {
        TestImage app = image("", base.bytes());
        Path tar = root.resolve("save.tar");
        app.writeDockerSave(tar, List.of(APP, "registry.test/team/app:latest"));
        assertThat(images.importTar(tar)).singleElement()
                .satisfies(i -> assertThat(i.names()).containsExactly(APP, "registry.test/team/app:latest"));
        assertThat(images.find(app.id()).orElseThrow().repoTags())
                .containsExactlyInAnyOrder(APP, "registry.test/team/app:latest");

        images.remove("registry.test/team/app:latest");

        Image image = images.find(app.id()).orElseThrow();
        assertThat(image.repoTags()).containsExactly(APP);
        assertThat(images.layerDirs(image)).hasSize(1);
    }

    @Test
    void thePauseImageIsPinned() throws Exception {
        Image pause = importOci(image("65535", base.bytes()), config.runtime().pauseImage());
        assertThat(pause.pinned()).isTrue();
    }

    @Test
    void aLeaseKeepsLayersAndConfigUntilClosed() throws Exception {
        TestImage app = image("", base.bytes(), top.bytes());
        Image image = importOci(app, APP);
        importOci(image("other", new TarBuilder().owner(uid, gid).file("x", "x\n").bytes()), "registry.test/other:1");
        Digest configBlob = Digest.parseRemote(app.id(), "id");

        ImageService.Lease lease = images.lease(image);
        images.remove(APP);
        assertThat(images.find(APP)).isEmpty();
        for (Layer l : image.layers()) {
            assertThat(snapshots.exists(l.chainId())).as(l.chainId().toString()).isTrue();
        }
        assertThat(content.has(configBlob)).isTrue();
        assertThat(images.layerDirs(image)).hasSize(2); // a container being created can still mount them

        lease.close();
        lease.close(); // twice is harmless
        images.remove("registry.test/other:1"); // the next collection
        assertThat(snapshots.list()).isEmpty();
        assertThat(content.list()).isEmpty();
    }

    @Test
    void leasingARemovedImageIsNotFound() throws Exception {
        Image image = importOci(image("", base.bytes()), APP);
        images.remove(APP);
        assertThatThrownBy(() -> images.lease(image))
                .isInstanceOfSatisfying(HakoException.class, kind(Kind.NOT_FOUND))
                .hasMessage("image " + image.id() + " was removed meanwhile; pull it again");
    }

    @Test
    void layersContainersRunOnOutliveTheirImage() throws Exception {
        TestImage app = image("", base.bytes(), top.bytes());
        Image image = importOci(app, APP);
        Digest running = image.layers().get(1).chainId();
        ImageService service = withLayersInUse(() -> List.of(running));

        service.remove(APP);

        assertThat(snapshots.list()).containsExactly(running);
        assertThat(content.list()).isEmpty(); // containers need the unpacked layer, not its blob
    }

    @Test
    void aMissingLayerIsAFailedPrecondition() throws Exception {
        Image image = importOci(image("", base.bytes()), APP);
        snapshots.remove(image.layers().getFirst().chainId());
        assertThatThrownBy(() -> images.layerDirs(image))
                .isInstanceOfSatisfying(HakoException.class, kind(Kind.FAILED_PRECONDITION))
                .hasMessage("layer " + image.layers().getFirst().chainId() + " of image " + image.id()
                        + " is missing on disk; pull the image again");
        assertThatThrownBy(() -> images.lease(image)).isInstanceOfSatisfying(HakoException.class, kind(Kind.NOT_FOUND));
    }

    @Test
    void usageCountsBlobsAndLayers() throws Exception {
        assertThat(images.usage().mountpoint()).isEqualTo(root);
        long before = images.usage().usedBytes();
        importOci(image("", base.bytes()), APP); // an import drops the cached figure
        ImageService.FsUsage after = images.usage();
        assertThat(after.usedBytes()).isGreaterThan(before);
        assertThat(after.inodesUsed()).isPositive();
        assertThat(images.usage()).isSameAs(after); // cached for a few seconds
        images.remove(APP);
        assertThat(images.usage().usedBytes()).isLessThan(after.usedBytes());
    }

    @Test
    void recoverRemovesPartialDownloads() throws Exception {
        ContentStore.Ingest partial = content.begin();
        partial.write(new byte[] {1, 2, 3});
        images.recover(); // its collection runs in the background and finds nothing to remove here
        try (var files = Files.list(root.resolve("content/ingest"))) {
            assertThat(files.toList()).isEmpty();
        }
    }
}
