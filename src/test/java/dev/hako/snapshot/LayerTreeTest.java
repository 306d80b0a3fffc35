package dev.hako.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import dev.hako.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tree an unpack builds, on a temp directory: nothing here needs root. */
class LayerTreeTest {
    private Path root;
    private LayerTree tree;

    @BeforeEach
    void setUp() throws Exception {
        root = TempDirs.create("hako-tree-");
        tree = new LayerTree(root);
    }

    @AfterEach
    void tearDown() {
        TempDirs.delete(root);
    }

    private static int mode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void createsMissingParentsAs0755() throws Exception {
        Path dir = tree.ensureDirs(List.of("usr", "lib", "x.so"), 2, "usr/lib/x.so");
        assertThat(dir).isEqualTo(root.resolve("usr/lib"));
        assertThat(mode(root.resolve("usr"))).isEqualTo(0755);
        assertThat(mode(root.resolve("usr/lib"))).isEqualTo(0755);
        assertThat(tree.ensureDirs(List.of("x"), 0, "x")).isEqualTo(root);
    }

    @Test
    void rejectsASymlinkParentWhereverItPoints() throws Exception {
        Files.createSymbolicLink(root.resolve("etc"), root.resolve("real"));
        Files.createDirectory(root.resolve("real"));
        assertThatThrownBy(() -> tree.ensureDirs(List.of("etc", "passwd"), 1, "etc/passwd"))
                .isInstanceOf(HakoException.class)
                .hasMessage("layer entry \"etc/passwd\": its parent \"etc\" is a symbolic link");
    }

    @Test
    void rejectsAFileParent() throws Exception {
        Files.writeString(root.resolve("f"), "");
        assertThatThrownBy(() -> tree.ensureDirs(List.of("f", "g"), 1, "f/g"))
                .isInstanceOf(HakoException.class)
                .hasMessage("layer entry \"f/g\": its parent \"f\" is not a directory");
    }

    @Test
    void requireDirsCreatesNothing() throws Exception {
        assertThatThrownBy(() -> tree.requireDirs(List.of("a", "b", "c"), 2, "l", "the hard link target \"a/b/c\""))
                .isInstanceOf(HakoException.class)
                .hasMessage("layer entry \"l\": the hard link target \"a/b/c\" does not exist in this layer");
        assertThat(root.resolve("a")).doesNotExist();
        Files.createDirectories(root.resolve("a"));
        Files.createSymbolicLink(root.resolve("a/b"), Path.of("/etc"));
        assertThatThrownBy(() -> tree.requireDirs(List.of("a", "b", "c"), 2, "l", "the hard link target \"a/b/c\""))
                .isInstanceOf(HakoException.class)
                .hasMessage("layer entry \"l\": the hard link target \"a/b/c\" goes through the symbolic link \"a/b\"");
    }

    @Test
    void aRemovedDirectoryIsForgottenWithEverythingBelow() throws Exception {
        tree.ensureDirs(List.of("a", "b", "f"), 2, "a/b/f");
        tree.remove(root.resolve("a"), "a");
        assertThat(root.resolve("a")).doesNotExist();
        // "a" is a file now: the tree must look again, not trust what it knew
        Files.writeString(root.resolve("a"), "");
        assertThatThrownBy(() -> tree.ensureDirs(List.of("a", "b", "f"), 2, "a/b/f"))
                .isInstanceOf(HakoException.class)
                .hasMessage("layer entry \"a/b/f\": its parent \"a\" is not a directory");
        tree.remove(root.resolve("a"), "a");
        tree.remove(root.resolve("nothing"), "nothing");
        assertThat(root.resolve("a")).doesNotExist();
    }

    @Test
    void directoryModesAndTimesComeLast() throws Exception {
        Path d = tree.ensureDirs(List.of("d", "f"), 1, "d/f");
        FileTime t = FileTime.fromMillis(1_000_000_000_000L);
        tree.defer("d", new EntryMetadata.Deferred(0750, t, t));
        tree.defer("", new EntryMetadata.Deferred(0711, t, t));
        Files.writeString(d.resolve("f"), "x"); // changes d's mtime
        tree.finish();
        assertThat(mode(d)).isEqualTo(0750);
        assertThat(Files.getLastModifiedTime(d)).isEqualTo(t);
        assertThat(mode(root)).isEqualTo(0711);
    }

    @Test
    void aRemovedDirectoryLosesItsDeferredMetadata() throws Exception {
        Path d = tree.ensureDirs(List.of("d", "e", "f"), 2, "d/e/f");
        FileTime t = FileTime.fromMillis(0);
        tree.defer("d/e", new EntryMetadata.Deferred(0700, t, t));
        tree.remove(root.resolve("d"), "d");
        tree.finish(); // would fail on the missing d/e if it were still deferred
        assertThat(d).doesNotExist();
    }
}
