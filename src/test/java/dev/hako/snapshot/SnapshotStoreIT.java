package dev.hako.snapshot;

import static dev.hako.testing.Modes.mode;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.image.spec.Digest;
import dev.hako.image.spec.MediaTypes.Compression;
import dev.hako.testing.image.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SnapshotStoreIT {
    private static final Digest CHAIN = Digest.sha256(new byte[] {1});
    private static final Digest OTHER = Digest.sha256(new byte[] {2});

    private Path root;
    private SnapshotStore store;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory(Path.of("/tmp"), "hako-snap-");
        store = new SnapshotStore(root);
    }

    @AfterEach
    void tearDown() throws IOException {
        dev.hako.sys.FileTrees.delete(root);
    }

    private Path tmp() {
        return root.resolve("snapshots/tmp");
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static void unpack(byte[] tar, Path dir) throws IOException {
        LayerUnpacker.unpack(new ByteArrayInputStream(tar), Compression.NONE, dir);
    }

    /** A layer with what makes deleting hard: 0000 and 0555 dirs, devices, a fifo, a symlink out. */
    private byte[] nastyLayer(Path outside) {
        return new TarBuilder()
                .dir("locked", e -> e.setMode(0))
                .file("locked/secret", "s", e -> e.setMode(0))
                .dir("locked/deeper", e -> e.setMode(0))
                .file("locked/deeper/f", "f")
                .dir("ro", e -> e.setMode(0555))
                .file("ro/file", "r", e -> e.setMode(0444))
                .node("ro/null", TarArchiveEntry.LF_CHR, 1, 3, e -> e.setMode(0666))
                .node("ro/sda", TarArchiveEntry.LF_BLK, 8, 0, e -> {})
                .node("fifo", TarArchiveEntry.LF_FIFO, 0, 0, e -> {})
                .symlink("out", outside.toString())
                .file("etc/.wh.gone", "")
                .hardlink("ro/link", "ro/file")
                .bytes();
    }

    @Test
    void prepareCommitExistsRemove() throws IOException {
        assertThat(store.exists(CHAIN)).isFalse();
        Path prepared = store.prepare();
        assertThat(prepared).startsWith(tmp()).endsWith(Path.of("fs"));
        assertThat(list(prepared)).isEmpty();
        assertThat((Integer) Files.getAttribute(prepared, "unix:mode") & 07777).isEqualTo(0755);

        unpack(new TarBuilder().file("etc/hostname", "box").bytes(), prepared);
        store.commit(prepared, CHAIN);

        assertThat(store.exists(CHAIN)).isTrue();
        assertThat(store.exists(OTHER)).isFalse();
        Path dir = store.layerDir(CHAIN);
        assertThat(dir).isEqualTo(root.resolve("snapshots/layers/" + CHAIN.hex() + "/fs"));
        assertThat(Files.readString(dir.resolve("etc/hostname"))).isEqualTo("box");
        assertThat(list(tmp())).isEmpty();

        store.remove(CHAIN);
        assertThat(store.exists(CHAIN)).isFalse();
        assertThat(Files.exists(root.resolve("snapshots/layers/" + CHAIN.hex()))).isFalse();
        assertThat(list(tmp())).isEmpty();
        store.remove(CHAIN); // already gone: fine
    }

    @Test
    void secondCommitOfTheSameChainIdIsDiscarded() throws IOException {
        Path first = store.prepare();
        Path second = store.prepare();
        unpack(new TarBuilder().file("who", "first").bytes(), first);
        unpack(new TarBuilder().file("who", "second").bytes(), second);
        store.commit(first, CHAIN);
        store.commit(second, CHAIN);
        assertThat(Files.readString(store.layerDir(CHAIN).resolve("who"))).isEqualTo("first");
        assertThat(list(tmp())).isEmpty();
    }

    @Test
    void concurrentCommitsLeaveOneLayer() throws Exception {
        int n = 6;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path p = store.prepare();
            unpack(new TarBuilder().file("data", "same").bytes(), p);
            done.add(pool.submit(() -> {
                go.await();
                store.commit(p, CHAIN);
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        assertThat(Files.readString(store.layerDir(CHAIN).resolve("data"))).isEqualTo("same");
        assertThat(list(root.resolve("snapshots/layers"))).containsExactly(CHAIN.hex());
        assertThat(list(tmp())).isEmpty();
    }

    @Test
    void removeCopesWithLockedDirsDevicesAndSymlinksOut() throws IOException {
        Path outside = Files.writeString(root.resolve("outside"), "keep me");
        Path p = store.prepare();
        unpack(nastyLayer(outside), p);
        store.commit(p, CHAIN);
        assertThat((Integer) Files.getAttribute(store.layerDir(CHAIN).resolve("locked"), "unix:mode") & 07777).isZero();

        store.remove(CHAIN);
        assertThat(store.exists(CHAIN)).isFalse();
        assertThat(list(root.resolve("snapshots/layers"))).isEmpty();
        assertThat(list(tmp())).isEmpty();
        assertThat(Files.readString(outside)).isEqualTo("keep me");
    }

    @Test
    void discardAndCleanupTemp() throws IOException {
        Path outside = Files.writeString(root.resolve("outside"), "keep me");
        Path committed = store.prepare();
        unpack(new TarBuilder().file("a", "a").bytes(), committed);
        store.commit(committed, CHAIN);

        Path failed = store.prepare();
        unpack(nastyLayer(outside), failed);
        store.discard(failed);
        assertThat(list(tmp())).isEmpty();

        // what a crashed daemon leaves: half-unpacked layers, a half-deleted one
        unpack(nastyLayer(outside), store.prepare());
        store.prepare();
        Path stray = Files.createDirectories(tmp().resolve("remove-x/layer/fs/d"));
        Files.setAttribute(stray, "unix:mode", 0);
        assertThat(list(tmp())).hasSize(3);

        new SnapshotStore(root).cleanupTemp();
        assertThat(list(tmp())).isEmpty();
        assertThat(store.exists(CHAIN)).isTrue();
        assertThat(Files.readString(store.layerDir(CHAIN).resolve("a"))).isEqualTo("a");
        assertThat(Files.readString(outside)).isEqualTo("keep me");
    }

    @Test
    void preparedPathsAreChecked() {
        assertThatThrownBy(() -> store.commit(root.resolve("elsewhere/fs"), CHAIN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.discard(root)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void usageCountsBytesAndInodesOnceForHardLinks() throws IOException {
        SnapshotStore.Usage empty = store.usage();
        assertThat(empty.inodes()).isEqualTo(4); // snapshots, layers, tmp, l
        long dirsBefore = Files.size(root.resolve("snapshots/layers")) + Files.size(root.resolve("snapshots/l"));

        Path p = store.prepare();
        unpack(new TarBuilder()
                .file("big", "b".repeat(100_000))
                .hardlink("big-again", "big")
                .file("d/small", "s")
                .symlink("link", "big")
                .bytes(), p);
        store.commit(p, CHAIN);

        SnapshotStore.Usage used = store.usage();
        // layers/<hex>, fs, big, d, d/small, link, and l/<short>: the hard link is the same inode as big
        assertThat(used.inodes() - empty.inodes()).isEqualTo(7);
        // directories that got an entry may have grown (tmpfs counts entries in a directory's size)
        long dirBytes = Files.size(root.resolve("snapshots/layers")) + Files.size(root.resolve("snapshots/l")) - dirsBefore;
        long shortLink = ("../layers/" + CHAIN.hex() + "/fs").length();
        for (Path d : List.of(root.resolve("snapshots/layers/" + CHAIN.hex()), store.layerDir(CHAIN),
                store.layerDir(CHAIN).resolve("d"))) {
            dirBytes += Files.size(d);
        }
        assertThat(used.bytes() - empty.bytes()).isEqualTo(100_000 + 1 + "big".length() + dirBytes + shortLink);
        assertThat(Files.isSymbolicLink(store.layerDir(CHAIN).resolve("link"))).isTrue();
        assertThat(Files.exists(store.layerDir(CHAIN).resolve("big-again"), NOFOLLOW_LINKS)).isTrue();
    }

    private void commitLayer(Digest chain, String file) throws IOException {
        Path p = store.prepare();
        unpack(new TarBuilder().file(file, file).bytes(), p);
        store.commit(p, chain);
    }

    @Test
    void eachLayerHasAShortLinkMadeAtCommitAndRemovedWithIt() throws IOException {
        commitLayer(CHAIN, "a");
        Path link = root.resolve("snapshots/l/" + CHAIN.hex().substring(0, SnapshotStore.SHORT_LINK));
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link).toString()).isEqualTo("../layers/" + CHAIN.hex() + "/fs");
        assertThat(store.lowerDir(CHAIN)).isEqualTo(link);
        assertThat(link.resolve("a")).hasContent("a");

        store.remove(CHAIN);
        assertThat(list(root.resolve("snapshots/l"))).isEmpty();
        assertThatThrownBy(() -> store.lowerDir(CHAIN)).hasMessageContaining(CHAIN.toString());
    }

    @Test
    void aPrefixHeldByAnotherLayerGetsALongerName() throws IOException {
        commitLayer(OTHER, "other");
        // a (crafted) layer whose first 8 digits are those of another layer
        String hex = OTHER.hex().substring(0, SnapshotStore.SHORT_LINK) + CHAIN.hex().substring(SnapshotStore.SHORT_LINK);
        Digest twin = new Digest("sha256", hex);
        commitLayer(twin, "twin");
        Path twinLink = store.lowerDir(twin);
        assertThat(twinLink.getFileName().toString()).isEqualTo(hex.substring(0, SnapshotStore.SHORT_LINK + 1));
        assertThat(twinLink.resolve("twin")).hasContent("twin");
        assertThat(store.lowerDir(OTHER).resolve("other")).hasContent("other");

        // once the other layer is gone, its name is free again and taken; both links go with the layer
        store.remove(OTHER);
        Path shorter = store.lowerDir(twin);
        assertThat(shorter.getFileName().toString()).isEqualTo(hex.substring(0, SnapshotStore.SHORT_LINK));
        assertThat(shorter.resolve("twin")).hasContent("twin");
        store.remove(twin);
        assertThat(list(root.resolve("snapshots/l"))).isEmpty();
    }

    @Test
    void startUpRepairsTheLinks() throws IOException {
        commitLayer(CHAIN, "a");
        commitLayer(OTHER, "b");
        Path links = root.resolve("snapshots/l");
        // a crash after a commit (no link), during a removal (a dangling link), and junk
        Files.delete(store.lowerDir(CHAIN));
        Files.createSymbolicLink(links.resolve("deadbeef"), Path.of("../layers/" + "de".repeat(32) + "/fs"));
        Files.createSymbolicLink(links.resolve("elsewhere"), Path.of("/etc"));
        Files.writeString(links.resolve("file"), "x");

        SnapshotStore restarted = new SnapshotStore(root);
        assertThat(list(links)).containsExactlyInAnyOrder(CHAIN.hex().substring(0, 8), OTHER.hex().substring(0, 8));
        assertThat(restarted.lowerDir(CHAIN).resolve("a")).hasContent("a");
        assertThat(restarted.lowerDir(OTHER).resolve("b")).hasContent("b");
        assertThat(Path.of("/etc")).isDirectory();
    }

    @Test
    void directoriesArePrivate() throws IOException {
        commitLayer(CHAIN, "a");
        for (String dir : List.of("snapshots", "snapshots/layers", "snapshots/tmp", "snapshots/l",
                "snapshots/layers/" + CHAIN.hex())) {
            assertThat(mode(root.resolve(dir))).as(dir).isEqualTo(0700);
        }
        assertThat(mode(store.layerDir(CHAIN))).isEqualTo(0755); // the layer's root: the image's
        // a store an older version left open is closed at start-up
        Files.setAttribute(root.resolve("snapshots"), "unix:mode", 0755);
        Files.setAttribute(root.resolve("snapshots/layers"), "unix:mode", 0755);
        new SnapshotStore(root);
        assertThat(mode(root.resolve("snapshots"))).isEqualTo(0700);
        assertThat(mode(root.resolve("snapshots/layers"))).isEqualTo(0700);
    }
}
