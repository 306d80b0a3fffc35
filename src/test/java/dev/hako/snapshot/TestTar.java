package dev.hako.snapshot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;

/** Builds layer tars in memory for tests, with commons-compress's writer (PAX for long names and xattrs). */
final class TestTar {
    static final FileTime T0 = FileTime.from(Instant.parse("2020-01-02T03:04:05Z"));

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;

    TestTar() {
        this(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    TestTar(int longFileMode) {
        tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(longFileMode);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    TestTar file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), e -> {});
    }

    TestTar file(String name, String content, Consumer<TarArchiveEntry> tweak) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), tweak);
    }

    TestTar file(String name, byte[] content, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_NORMAL, 0644);
        e.setSize(content.length);
        tweak.accept(e);
        return add(e, content);
    }

    TestTar dir(String name) {
        return dir(name, e -> {});
    }

    TestTar dir(String name, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_DIR, 0755);
        tweak.accept(e);
        return add(e, new byte[0]);
    }

    TestTar symlink(String name, String target) {
        return symlink(name, target, e -> {});
    }

    TestTar symlink(String name, String target, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_SYMLINK, 0777);
        e.setLinkName(target);
        tweak.accept(e);
        return add(e, new byte[0]);
    }

    TestTar hardlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_LINK, 0644);
        e.setLinkName(target);
        return add(e, new byte[0]);
    }

    /** A char ('3') or block ('4') device, or a fifo ('6'). */
    TestTar node(String name, byte type, int major, int minor, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = entry(name, type, 0600);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        tweak.accept(e);
        return add(e, new byte[0]);
    }

    /** Any entry, as built. */
    TestTar raw(TarArchiveEntry e, byte[] data) {
        return add(e, data);
    }

    /** A PAX extended header ('x') with raw byte values; it applies to the next entry. */
    TestTar pax(Map<String, byte[]> records) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        records.forEach((k, v) -> {
            byte[] key = (" " + k + "=").getBytes(StandardCharsets.UTF_8);
            int rest = key.length + v.length + 1;
            int len = rest + String.valueOf(rest).length();
            if (String.valueOf(len).length() != String.valueOf(rest).length()) {
                len++;
            }
            body.writeBytes(String.valueOf(len).getBytes(StandardCharsets.US_ASCII));
            body.writeBytes(key);
            body.writeBytes(v);
            body.write('\n');
        });
        TarArchiveEntry x = new TarArchiveEntry("PaxHeaders/entry", TarArchiveEntry.LF_PAX_EXTENDED_HEADER_LC);
        x.setSize(body.size());
        return add(x, body.toByteArray());
    }

    /** The finished archive: end marker and padding to a 10 KiB block included. */
    byte[] bytes() {
        try {
            tar.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] zstd(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdCompressorOutputStream z = new ZstdCompressorOutputStream(out)) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static TarArchiveEntry entry(String name, byte type, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true); // true: keep a leading "/" as written
        e.setMode(mode);
        e.setLastModifiedTime(T0);
        return e;
    }

    private TestTar add(TarArchiveEntry e, byte[] data) {
        try {
            tar.putArchiveEntry(e);
            tar.write(data);
            tar.closeArchiveEntry();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return this;
    }
}
