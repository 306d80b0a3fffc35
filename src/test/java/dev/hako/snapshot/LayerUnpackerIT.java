package dev.hako.snapshot;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import dev.hako.image.spec.Digest;
import dev.hako.image.spec.MediaTypes.Compression;
import dev.hako.sys.FileCalls;
import dev.hako.testing.image.TarBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class LayerUnpackerIT {
    private static final FileTime T1 = FileTime.from(Instant.parse("2001-02-03T04:05:06Z"));
    private static final FileTime T2 = FileTime.from(Instant.parse("2011-12-13T14:15:16Z"));
    private static final int S_IFMT = 0170000;

    private Path sandbox;
    private Path layer;

    @BeforeEach
    void setUp() throws IOException {
        sandbox = Files.createTempDirectory(Path.of("/tmp"), "hako-unpack-");
        layer = Files.createDirectory(sandbox.resolve("layer"));
        Files.writeString(sandbox.resolve("sentinel"), "precious");
    }

    @AfterEach
    void tearDown() throws IOException {
        dev.hako.sys.FileTrees.delete(sandbox);
    }

    private UnpackResult unpack(byte[] tar) throws IOException {
        return LayerUnpacker.unpack(new ByteArrayInputStream(tar), Compression.NONE, layer);
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW_LINKS);
    }

    private static Object attr(Path p, String name) throws IOException {
        return Files.getAttribute(p, "unix:" + name, NOFOLLOW_LINKS);
    }

    @Test
    void everyEntryTypeWithOwnerModeAndTimes() throws IOException {
        byte[] tar = new TarBuilder()
                .dir("etc/", e -> e.setLastModifiedTime(T1))
                .file("etc/passwd", "root:x:0:0\n", e -> {
                    e.setIds(1000, 2000);
                    e.setMode(0640);
                    e.setLastModifiedTime(T2);
                })
                .file("usr/bin/sudo", "#!", e -> e.setMode(04755))
                .file("usr/bin/wall", "#!", e -> {
                    e.setMode(02755);
                    e.setIds(0, 5);
                })
                .dir("tmp", e -> {
                    e.setMode(01777);
                    e.setLastModifiedTime(T2);
                })
                .file("tmp/scratch", "x")
                .symlink("etc/sudo", "../usr/bin/sudo", e -> {
                    e.setIds(7, 8);
                    e.setLastModifiedTime(T1);
                })
                .symlink("etc/dangling", "/nowhere//at/all/")
                .hardlink("usr/bin/sudoedit", "usr/bin/sudo")
                .node("dev/null", TarArchiveEntry.LF_CHR, 1, 3, e -> e.setMode(0666))
                .node("dev/loop0", TarArchiveEntry.LF_BLK, 7, 0, e -> {
                    e.setMode(0660);
                    e.setIds(0, 6);
                })
                .node("run/fifo", TarArchiveEntry.LF_FIFO, 0, 0, e -> {
                    e.setIds(33, 33);
                    e.setLastModifiedTime(T1);
                })
                .bytes();

        UnpackResult result = unpack(tar);
        assertThat(result.entries()).isEqualTo(12);

        Path passwd = layer.resolve("etc/passwd");
        assertThat(Files.readString(passwd)).isEqualTo("root:x:0:0\n");
        assertThat(attr(passwd, "uid")).isEqualTo(1000);
        assertThat(attr(passwd, "gid")).isEqualTo(2000);
        assertThat(mode(passwd) & 07777).isEqualTo(0640);
        assertThat(Files.getLastModifiedTime(passwd)).isEqualTo(T2);

        assertThat(mode(layer.resolve("usr/bin/sudo")) & 07777).isEqualTo(04755);
        assertThat(mode(layer.resolve("usr/bin/wall")) & 07777).isEqualTo(02755);
        assertThat(attr(layer.resolve("usr/bin/wall"), "gid")).isEqualTo(5);
        assertThat(mode(layer.resolve("usr")) & 07777).isEqualTo(0755); // created implicitly

        // directory times survive the children written after them
        assertThat(Files.getLastModifiedTime(layer.resolve("etc"), NOFOLLOW_LINKS)).isEqualTo(T1);
        assertThat(Files.getLastModifiedTime(layer.resolve("tmp"), NOFOLLOW_LINKS)).isEqualTo(T2);
        assertThat(mode(layer.resolve("tmp")) & 07777).isEqualTo(01777);

        Path link = layer.resolve("etc/sudo");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("../usr/bin/sudo"));
        assertThat(attr(link, "uid")).isEqualTo(7);
        assertThat(attr(link, "gid")).isEqualTo(8);
        assertThat(Files.getLastModifiedTime(link, NOFOLLOW_LINKS)).isEqualTo(T1);
        assertThat(readlink(layer.resolve("etc/dangling"))).isEqualTo("/nowhere//at/all/"); // verbatim

        assertThat(attr(layer.resolve("usr/bin/sudoedit"), "ino")).isEqualTo(attr(layer.resolve("usr/bin/sudo"), "ino"));
        assertThat(attr(layer.resolve("usr/bin/sudo"), "nlink")).isEqualTo(2);

        Path nul = layer.resolve("dev/null");
        assertThat(mode(nul)).isEqualTo(FileCalls.S_IFCHR | 0666);
        assertThat(attr(nul, "rdev")).isEqualTo(FileCalls.makedev(1, 3));
        Path loop = layer.resolve("dev/loop0");
        assertThat(mode(loop)).isEqualTo(FileCalls.S_IFBLK | 0660);
        assertThat(attr(loop, "rdev")).isEqualTo(FileCalls.makedev(7, 0));
        assertThat(attr(loop, "gid")).isEqualTo(6);
        Path fifo = layer.resolve("run/fifo");
        assertThat(mode(fifo)).isEqualTo(FileCalls.S_IFIFO | 0600);
        assertThat(attr(fifo, "uid")).isEqualTo(33);
        assertThat(Files.getLastModifiedTime(fifo, NOFOLLOW_LINKS)).isEqualTo(T1);
    }

    @Test
    void rootEntryAndLeadingDotSlash() throws IOException {
        unpack(new TarBuilder()
                .dir("./", e -> {
                    e.setMode(0750);
                    e.setLastModifiedTime(T1);
                })
                .file("./etc/hostname", "box\n")
                .file("etc//os-release", "ID=x\n")
                .bytes());
        assertThat(mode(layer) & 07777).isEqualTo(0750);
        assertThat(Files.getLastModifiedTime(layer)).isEqualTo(T1);
        assertThat(Files.readString(layer.resolve("etc/hostname"))).isEqualTo("box\n");
        assertThat(Files.readString(layer.resolve("etc/os-release"))).isEqualTo("ID=x\n");
    }

    @Test
    void xattrsFromPaxHeadersIncludingBinaryValues() throws IOException {
        // cap_setuid+ep: VFS_CAP_REVISION_2 | effective, permitted bit 7 — a 0x80 byte, not valid UTF-8
        byte[] capability = new byte[20];
        capability[0] = 0x01;
        capability[3] = 0x02;
        capability[4] = (byte) 0x80;
        byte[] binary = {0, 1, (byte) 0x80, (byte) 0xff, (byte) 0xc3, 'y'};
        byte[] tar = new TarBuilder()
                .file("bin/plain", "x", e -> e.addPaxHeader("SCHILY.xattr.user.comment", "héllo"))
                .dir("data", e -> e.addPaxHeader("SCHILY.xattr.user.dir", "d"))
                .pax(Map.of("SCHILY.xattr.security.capability", capability,
                        "SCHILY.xattr.user.binary", binary,
                        "SCHILY.xattr.trusted.overlay.opaque", "y".getBytes(StandardCharsets.UTF_8)))
                .file("bin/newuidmap", "elf", e -> e.setMode(0755))
                .bytes();
        unpack(tar);
        assertThat(FileCalls.lgetxattr(layer.resolve("bin/plain"), "user.comment"))
                .isEqualTo("héllo".getBytes(StandardCharsets.UTF_8));
        assertThat(FileCalls.lgetxattr(layer.resolve("data"), "user.dir")).isEqualTo(new byte[] {'d'});
        Path newuidmap = layer.resolve("bin/newuidmap");
        assertThat(FileCalls.lgetxattr(newuidmap, "user.binary")).isEqualTo(binary);
        assertThat(FileCalls.lgetxattr(newuidmap, "security.capability")).isEqualTo(capability);
        // overlayfs's own namespace is never taken from the archive
        assertThat(FileCalls.lgetxattr(newuidmap, "trusted.overlay.opaque")).isNull();
        assertThat(FileCalls.lgetxattr(layer.resolve("bin/plain"), "user.absent")).isNull();
    }

    @Test
    void whiteoutsBecomeOverlayWhiteoutsAndOpaqueDirs() throws IOException {
        unpack(new TarBuilder()
                .dir("etc")
                .file("etc/.wh.passwd", "")
                .file("a/b", "earlier in this layer")
                .file("a/.wh.b", "")
                .dir("a/sub")
                .file("a/sub/x", "x")
                .file("a/.wh.sub", "")
                .dir("opq")
                .file("opq/.wh..wh..opq", "")
                .file("opq/new", "n")
                .file("fresh/.wh..wh..opq", "")
                .file(".wh.top", "")
                .file(".wh..wh.plnk/123.456", "aufs bookkeeping")
                .bytes());

        for (String hidden : List.of("etc/passwd", "a/b", "a/sub", "top")) {
            Path p = layer.resolve(hidden);
            assertThat(mode(p) & S_IFMT).as(hidden).isEqualTo(FileCalls.S_IFCHR);
            assertThat(attr(p, "rdev")).as(hidden).isEqualTo(0L);
        }
        assertThat(FileCalls.lgetxattr(layer.resolve("opq"), "trusted.overlay.opaque")).isEqualTo(new byte[] {'y'});
        assertThat(FileCalls.lgetxattr(layer.resolve("fresh"), "trusted.overlay.opaque")).isEqualTo(new byte[] {'y'});
        assertThat(Files.isDirectory(layer.resolve("fresh"), NOFOLLOW_LINKS)).isTrue();
        assertThat(FileCalls.lgetxattr(layer.resolve("etc"), "trusted.overlay.opaque")).isNull();
        assertThat(Files.readString(layer.resolve("opq/new"))).isEqualTo("n");
        try (Stream<Path> all = Files.walk(layer)) {
            assertThat(all.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".wh."));
        }
    }

    @Test
    void laterEntriesReplaceEarlierOnes() throws IOException {
        unpack(new TarBuilder()
                .file("x", "file first")
                .dir("x", e -> e.setMode(0700))
                .file("x/inner", "i")
                .dir("d")
                .file("d/child", "c")
                .dir("d", e -> {
                    e.setMode(0711);
                    e.setLastModifiedTime(T2);
                })
                .dir("gone")
                .file("gone/deep/child", "c")
                .file("gone", "a file now")
                .symlink("s", "elsewhere")
                .file("s", "not a link any more")
                .file("f", "old")
                .file("f", "new")
                .file("l", "target")
                .symlink("l", "target-text")
                .bytes());
        assertThat(Files.readString(layer.resolve("x/inner"))).isEqualTo("i");
        assertThat(mode(layer.resolve("x")) & 07777).isEqualTo(0700);
        assertThat(Files.readString(layer.resolve("d/child"))).isEqualTo("c"); // a dir over a dir keeps it
        assertThat(mode(layer.resolve("d")) & 07777).isEqualTo(0711);
        assertThat(Files.getLastModifiedTime(layer.resolve("d"))).isEqualTo(T2);
        assertThat(Files.readString(layer.resolve("gone"))).isEqualTo("a file now");
        assertThat(Files.isSymbolicLink(layer.resolve("s"))).isFalse();
        assertThat(Files.readString(layer.resolve("s"))).isEqualTo("not a link any more");
        assertThat(Files.readString(layer.resolve("f"))).isEqualTo("new");
        assertThat(Files.readSymbolicLink(layer.resolve("l"))).isEqualTo(Path.of("target-text"));
    }

    @Test
    void hardLinkToASymlinkLinksTheSymlink() throws IOException {
        unpack(new TarBuilder()
                .symlink("s", "/outside/of/everything")
                .hardlink("h", "s")
                .bytes());
        Path h = layer.resolve("h");
        assertThat(Files.isSymbolicLink(h)).isTrue();
        assertThat(attr(h, "ino")).isEqualTo(attr(layer.resolve("s"), "ino"));
    }

    @Test
    void longNamesGnuAndPax() throws IOException {
        String deep = "d".repeat(120) + "/" + "f".repeat(150);
        unpack(new TarBuilder(TarArchiveOutputStream.LONGFILE_GNU).file(deep, "gnu").bytes());
        assertThat(Files.readString(layer.resolve(deep))).isEqualTo("gnu");
        dev.hako.sys.FileTrees.delete(layer);
        Files.createDirectory(layer);
        unpack(new TarBuilder(TarArchiveOutputStream.LONGFILE_POSIX).file(deep, "pax").bytes());
        assertThat(Files.readString(layer.resolve(deep))).isEqualTo("pax");
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void diffIdIsTheDigestOfTheWholeUncompressedStream(Compression compression) throws IOException {
        byte[] plain = new TarBuilder().file("a", "alpha").file("b/c", "x".repeat(300_000)).bytes();
        // trailing zeros after the end-of-archive marker are part of the layer and of its diffID
        byte[] tar = Arrays.copyOf(plain, plain.length + 7 * 512 + 3);
        byte[] blob = switch (compression) {
            case NONE -> tar;
            case GZIP -> TarBuilder.gzip(tar);
            case ZSTD -> TarBuilder.zstd(tar);
        };
        UnpackResult r = LayerUnpacker.unpack(new ByteArrayInputStream(blob), compression, layer);
        assertThat(r.diffId()).isEqualTo(Digest.sha256(tar));
        assertThat(r.uncompressedBytes()).isEqualTo(tar.length);
        assertThat(r.entries()).isEqualTo(2);
        assertThat(Files.size(layer.resolve("b/c"))).isEqualTo(300_000);
    }

    @Test
    void tarsWithoutBlockPaddingOrEndMarker() throws IOException {
        byte[] padded = new TarBuilder().file("a", "alpha").bytes();
        int end = padded.length;
        while (padded[end - 1] == 0) {
            end--;
        }
        int dataEnd = (end + 511) / 512 * 512;
        for (byte[] tar : List.of(Arrays.copyOf(padded, dataEnd + 1024), Arrays.copyOf(padded, dataEnd))) {
            dev.hako.sys.FileTrees.delete(layer);
            Files.createDirectory(layer);
            UnpackResult r = unpack(tar);
            assertThat(r.diffId()).isEqualTo(Digest.sha256(tar));
            assertThat(r.uncompressedBytes()).isEqualTo(tar.length);
            assertThat(Files.readString(layer.resolve("a"))).isEqualTo("alpha");
        }
    }

    @Test
    void multiMemberGzipAndMultiFrameZstd() throws IOException {
        byte[] tar = new TarBuilder().file("one", "1").file("two", "2".repeat(50_000)).file("three", "3").bytes();
        int cut = tar.length / 3;
        byte[] gz = concat(TarBuilder.gzip(Arrays.copyOfRange(tar, 0, cut)), TarBuilder.gzip(Arrays.copyOfRange(tar, cut, tar.length)));
        UnpackResult r = LayerUnpacker.unpack(new ByteArrayInputStream(gz), Compression.GZIP, layer);
        assertThat(r.diffId()).isEqualTo(Digest.sha256(tar));
        assertThat(Files.readString(layer.resolve("three"))).isEqualTo("3");

        dev.hako.sys.FileTrees.delete(layer);
        Files.createDirectory(layer);
        byte[] zst = concat(TarBuilder.zstd(Arrays.copyOfRange(tar, 0, cut)), TarBuilder.zstd(Arrays.copyOfRange(tar, cut, tar.length)));
        r = LayerUnpacker.unpack(new ByteArrayInputStream(zst), Compression.ZSTD, layer);
        assertThat(r.diffId()).isEqualTo(Digest.sha256(tar));
        assertThat(Files.readString(layer.resolve("three"))).isEqualTo("3");
    }

    @Test
    void truncatedLayersFail() {
        byte[] tar = new TarBuilder().file("big", "z".repeat(100_000)).bytes();
        byte[] cutTar = Arrays.copyOf(tar, 50_000);
        assertThatThrownBy(() -> unpack(cutTar)).isInstanceOf(IOException.class).hasMessageContaining("big");
        byte[] gz = TarBuilder.gzip(tar);
        assertThatThrownBy(() -> LayerUnpacker.unpack(new ByteArrayInputStream(Arrays.copyOf(gz, gz.length - 10)),
                Compression.GZIP, layer)).isInstanceOf(IOException.class);
    }

    @Test
    void callerStreamIsNotClosed() throws IOException {
        boolean[] closed = {false};
        ByteArrayInputStream in = new ByteArrayInputStream(TarBuilder.zstd(new TarBuilder().file("a", "b").bytes())) {
            @Override
            public void close() {
                closed[0] = true;
            }
        };
        LayerUnpacker.unpack(in, Compression.ZSTD, layer);
        assertThat(closed[0]).isFalse();
    }

    record Hostile(String label, String entry, Function<Path, byte[]> tar) {
        @Override
        public String toString() {
            return label;
        }
    }

    static Stream<Hostile> hostileArchives() {
        return Stream.of(
                new Hostile("dot-dot", "../escape", s -> new TarBuilder().file("../escape", "x").bytes()),
                new Hostile("dot-dot inside", "a/../../escape", s -> new TarBuilder().file("a/../../escape", "x").bytes()),
                new Hostile("dot-dot dir", "sub/../../escape/", s -> new TarBuilder().dir("sub/../../escape/").bytes()),
                new Hostile("absolute", "/escape", s -> new TarBuilder().file(s.resolve("escape").toString(), "x").bytes()),
                new Hostile("absolute pax name", "/" + "p".repeat(120), s -> new TarBuilder(TarArchiveOutputStream.LONGFILE_POSIX)
                        .file("/" + "p".repeat(120), "x").bytes()),
                new Hostile("absolute gnu long name", "/" + "g".repeat(120), s -> new TarBuilder(TarArchiveOutputStream.LONGFILE_GNU)
                        .file("/" + "g".repeat(120), "x").bytes()),
                new Hostile("through symlink to outside", "link/escape", s -> new TarBuilder()
                        .symlink("link", "..").file("link/escape", "x").bytes()),
                new Hostile("through absolute symlink", "link/escape", s -> new TarBuilder()
                        .symlink("link", s.toString()).file("link/escape", "x").bytes()),
                new Hostile("through symlink to inside", "inside/file", s -> new TarBuilder()
                        .dir("real").symlink("inside", "real").file("inside/file", "x").bytes()),
                new Hostile("dir through symlink", "link/newdir/", s -> new TarBuilder()
                        .symlink("link", "..").dir("link/newdir/").bytes()),
                new Hostile("whiteout through symlink", "link/.wh.sentinel", s -> new TarBuilder()
                        .symlink("link", "..").file("link/.wh.sentinel", "").bytes()),
                new Hostile("opaque through symlink", "link/.wh..wh..opq", s -> new TarBuilder()
                        .symlink("link", "..").file("link/.wh..wh..opq", "").bytes()),
                new Hostile("hard link with dot-dot", "hl", s -> new TarBuilder().hardlink("hl", "../sentinel").bytes()),
                new Hostile("hard link absolute", "hl", s -> new TarBuilder().hardlink("hl", s.resolve("sentinel").toString()).bytes()),
                new Hostile("hard link through symlink", "hl", s -> new TarBuilder()
                        .symlink("link", "..").hardlink("hl", "link/sentinel").bytes()),
                new Hostile("hard link to missing", "hl", s -> new TarBuilder().hardlink("hl", "missing").bytes()),
                new Hostile("hard link to a directory", "hl", s -> new TarBuilder().dir("d").hardlink("hl", "d").bytes()),
                new Hostile("whiteout of dot-dot", ".wh..", s -> new TarBuilder().file(".wh..", "").bytes()),
                new Hostile("whiteout of dot-dot, dotted", "dir/.wh...", s -> new TarBuilder().dir("dir").file("dir/.wh...", "").bytes()),
                new Hostile("whiteout as a directory", ".wh.x/y", s -> new TarBuilder().file(".wh.x/y", "y").bytes()),
                new Hostile("unsupported type", "weird", s -> {
                    TarArchiveEntry e = new TarArchiveEntry("weird", (byte) 'Z');
                    return new TarBuilder().raw(e, new byte[0]).bytes();
                }),
                new Hostile("sparse", "holes", s -> {
                    TarArchiveEntry e = new TarArchiveEntry("holes", TarArchiveEntry.LF_GNUTYPE_SPARSE);
                    return new TarBuilder().raw(e, new byte[0]).bytes();
                }));
    }

    @ParameterizedTest
    @MethodSource("hostileArchives")
    void hostileArchivesAreRejectedAndTouchNothingOutside(Hostile h) throws IOException {
        byte[] tar = h.tar().apply(sandbox);
        FileTime before = Files.getLastModifiedTime(sandbox.resolve("sentinel"));
        assertThatThrownBy(() -> unpack(tar))
                .isInstanceOfSatisfying(HakoException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HakoException.Kind.FAILED_PRECONDITION);
                    assertThat(e.getMessage()).startsWith("layer entry \"").contains(h.entry());
                });
        try (Stream<Path> list = Files.list(sandbox)) {
            assertThat(list.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("layer", "sentinel");
        }
        assertThat(Files.readString(sandbox.resolve("sentinel"))).isEqualTo("precious");
        assertThat(Files.getLastModifiedTime(sandbox.resolve("sentinel"))).isEqualTo(before);
        assertThat(attr(sandbox.resolve("sentinel"), "nlink")).isEqualTo(1);
        assertThat(FileCalls.lgetxattr(sandbox, "trusted.overlay.opaque")).isNull();
    }

    private static String readlink(Path p) throws IOException {
        Process proc = new ProcessBuilder("readlink", p.toString()).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            proc.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out.stripTrailing();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
