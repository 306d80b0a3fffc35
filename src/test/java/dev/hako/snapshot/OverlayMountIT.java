package dev.hako.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hako.image.spec.Digest;
import dev.hako.image.spec.MediaTypes.Compression;
import dev.hako.testing.image.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The unpacked form is what overlayfs expects: whiteouts hide, opaque directories hide the layers below. */
class OverlayMountIT {
    private Path root;
    private Path target;
    private boolean mounted;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory(Path.of("/tmp"), "hako-ovl-");
        target = Files.createDirectory(root.resolve("merged"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (mounted) {
            run("umount", target.toString());
        }
        dev.hako.sys.FileTrees.delete(root);
    }

    @Test
    void whiteoutsAndOpaqueDirsWorkUnderOverlayfs() throws Exception {
        SnapshotStore store = new SnapshotStore(root);
        Digest lowerId = Digest.sha256(new byte[] {1});
        Digest upperId = Digest.sha256(new byte[] {2});
        commit(store, lowerId, new TarBuilder()
                .file("a/keep", "kept")
                .file("a/gone", "hidden by the upper layer")
                .file("opq/old", "hidden by the opaque dir")
                .file("top", "top")
                .bytes());
        commit(store, upperId, new TarBuilder()
                .file("a/.wh.gone", "")
                .dir("opq")
                .file("opq/.wh..wh..opq", "")
                .file("opq/new", "new")
                .file(".wh.top", "")
                .bytes());

        String lowerdir = store.layerDir(upperId) + ":" + store.layerDir(lowerId); // upper first
        String out = run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lowerdir, target.toString());
        mounted = out == null;
        assumeTrue(mounted, () -> "overlay mount not possible here: " + out);

        assertThat(Files.readString(target.resolve("a/keep"))).isEqualTo("kept");
        assertThat(Files.exists(target.resolve("a/gone"))).isFalse();
        assertThat(Files.exists(target.resolve("top"))).isFalse();
        assertThat(Files.readString(target.resolve("opq/new"))).isEqualTo("new");
        assertThat(Files.exists(target.resolve("opq/old"))).isFalse();
        try (var names = Files.list(target.resolve("a"))) {
            assertThat(names.map(p -> p.getFileName().toString())).containsExactly("keep");
        }
    }

    private static void commit(SnapshotStore store, Digest id, byte[] tar) throws IOException {
        Path p = store.prepare();
        LayerUnpacker.unpack(new ByteArrayInputStream(tar), Compression.NONE, p);
        store.commit(p, id);
    }

    /** Runs a command; null on success, else its output. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    }
}
