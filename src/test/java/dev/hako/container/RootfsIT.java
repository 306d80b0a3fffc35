package dev.hako.container;

import static dev.hako.testing.Modes.mode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import dev.hako.image.spec.Digest;
import dev.hako.image.spec.MediaTypes.Compression;
import dev.hako.snapshot.LayerUnpacker;
import dev.hako.snapshot.SnapshotStore;
import dev.hako.sys.FileTrees;
import dev.hako.sys.MountCalls;
import dev.hako.testing.image.TarBuilder;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The overlay's mount options stay within one page for images with many layers, and the mount works. */
class RootfsIT {
    private static final String ID = "c".repeat(64);
    /** The default root and a container's writable layer paths under it. */
    private static final Path DEFAULT_ROOT = Path.of("/var/lib/hako");

    private Path dir;

    @BeforeEach
    void setUp() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "hako-rootfs-");
    }

    @AfterEach
    void tearDown() throws Exception {
        Path merged = dir.resolve("merged");
        if (Files.exists(merged) && Rootfs.isMounted(merged)) {
            MountCalls.umount(merged, MountCalls.UMOUNT_NOFOLLOW);
        }
        FileTrees.delete(dir);
    }

    private static List<String> shortNames(int n) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add(Digest.sha256(new byte[] {(byte) i, (byte) (i >> 8)}).hex().substring(0, SnapshotStore.SHORT_LINK));
        }
        return names;
    }

    @Test
    void optionsFor128LayersFitInOnePageWhereAbsolutePathsDidNot() {
        Path upper = DEFAULT_ROOT.resolve("containers/" + ID + "/upper");
        Path work = DEFAULT_ROOT.resolve("containers/" + ID + "/work");
        String options = Rootfs.options(shortNames(128), upper, work);
        assertThat(options.length()).isLessThan(Rootfs.OPTIONS_MAX);
        assertThat(options).startsWith("lowerdir=" + shortNames(128).getLast() + ":");

        // what the options were before: absolute layer paths, ~95 bytes each
        List<String> absolute = Collections.nCopies(128,
                DEFAULT_ROOT.resolve("snapshots/layers/" + Digest.sha256(new byte[] {1}).hex() + "/fs").toString());
        assertThatThrownBy(() -> Rootfs.options(absolute, upper, work))
                .isInstanceOfSatisfying(HakoException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HakoException.Kind.FAILED_PRECONDITION);
                    assertThat(e.getMessage()).contains("128 layers").contains("4095");
                });

        // the real bound with the default root: more than 400 layers, below overlayfs's 500
        int max = 0;
        while (fits(shortNames(max + 1), upper, work)) {
            max++;
        }
        assertThat(max).isBetween(400, Rootfs.LOWERS_MAX - 1);
        // a long root (200 bytes) still takes 128
        Path longRoot = Path.of("/" + "r".repeat(199));
        assertThat(fits(shortNames(128), longRoot.resolve("containers/" + ID + "/upper"),
                longRoot.resolve("containers/" + ID + "/work"))).isTrue();
        // and overlayfs's own limit is stated, not left to the kernel's EINVAL
        List<String> tooMany = Collections.nCopies(Rootfs.LOWERS_MAX + 1, "a");
        assertThatThrownBy(() -> Rootfs.options(tooMany, upper, work)).hasMessageContaining("at most 500");
    }

    private static boolean fits(List<String> names, Path upper, Path work) {
        try {
            Rootfs.options(names, upper, work);
            return true;
        } catch (HakoException e) {
            return false;
        }
    }

    @Test
    void mounts128LayersFromALongRoot() throws Exception {
        // a root long enough that 128 absolute layer paths would take ~28 KB of options
        Path root = Files.createDirectories(dir.resolve("r".repeat(120)));
        SnapshotStore store = new SnapshotStore(root);
        List<Path> lowers = new ArrayList<>();
        for (int i = 0; i < 128; i++) {
            TarBuilder t = new TarBuilder().file("layer", "layer " + i).file("from-" + i, String.valueOf(i));
            if (i == 127) {
                t.dir("./", 0751); // the top layer's root: what the container's / looks like
            }
            Digest chain = Digest.sha256(("chain " + i).getBytes());
            Path p = store.prepare();
            LayerUnpacker.unpack(new ByteArrayInputStream(t.bytes()), Compression.NONE, p);
            store.commit(p, chain);
            lowers.add(store.lowerDir(chain));
        }
        Path layer = root.resolve("containers/" + ID);
        Path merged = dir.resolve("merged");
        Rootfs.mount(lowers, layer.resolve("upper"), layer.resolve("work"), merged);

        assertThat(merged.resolve("from-0")).hasContent("0");
        assertThat(merged.resolve("from-127")).hasContent("127");
        assertThat(merged.resolve("layer")).hasContent("layer 127"); // the top layer wins
        Files.writeString(merged.resolve("new"), "written");
        assertThat(layer.resolve("upper/new")).hasContent("written");
        // modes: private parents, the upper directory (the container's /) as the image's top layer root
        assertThat(mode(root.resolve("containers"))).isEqualTo(0700);
        assertThat(mode(layer)).isEqualTo(0700);
        assertThat(mode(layer.resolve("work"))).isEqualTo(0700);
        assertThat(mode(layer.resolve("upper"))).isEqualTo(0751);
        assertThat(mode(merged)).isEqualTo(0751);
    }
}
