package dev.hako.testing.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;

/**
 * Builds an uncompressed layer tar in memory, entry by entry, with commons-compress's writer (PAX for long
 * names and xattrs). Names are written exactly as given, so hostile ones (absolute, {@code ..}) can be built
 * too; a directory's name gets no "/" added. Every entry has the same mtime and the owner set last.
 */
public final class TarBuilder {
    private static final FileTime T0 = FileTime.from(Instant.parse("2020-01-02T03:04:05Z"));

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;
    private int uid;
    private int gid;

    public TarBuilder() {
        this(TarArchiveOutputStream.LONGFILE_POSIX);
    }

    public TarBuilder(int longFileMode) {
        tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(longFileMode);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    /** Owner of the entries added after this call (root by default): the test's own user needs no CAP_CHOWN to unpack them. */
    public TarBuilder owner(int uid, int gid) {
        this.uid = uid;
        this.gid = gid;
        return this;
    }

    public TarBuilder file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), e -> {});
    }

    public TarBuilder file(String name, String content, Consumer<TarArchiveEntry> tweak) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), tweak);
    }

    public TarBuilder file(String name, byte[] content, int mode) {
        return file(name, content, e -> e.setMode(mode));
    }

    public TarBuilder file(String name, byte[] content, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_NORMAL, 0644);
        e.setSize(content.length);
        tweak.accept(e);
        return add(e, content);
    }

    /** A file copied from this machine (e.g. /bin/busybox from Debian's busybox-static). */
    public TarBuilder hostFile(String name, Path source, int mode) {
        try {
            return file(name, Files.readAllBytes(source), mode);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public TarBuilder dir(String name) {
        return dir(name, e -> {});
    }

    public TarBuilder dir(String name, int mode) {
        return dir(name, e -> e.setMode(mode));
    }

    public TarBuilder dir(String name, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_DIR, 0755);
        tweak.accept(e);
        return add(e, new byte[0]);
    }

    public TarBuilder symlink(String name, String target) {
        return symlink(name, target, e -> {});
    }

    public TarBuilder symlink(String name, String target, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_SYMLINK, 0777);
        e.setLinkName(target);
        tweak.accept(e);
        return add(e, new byte[0]);
    }

    public TarBuilder hardlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_LINK, 0644);
        e.setLinkName(target);
        return add(e, new byte[0]);
    }

    /** A char ('3') or block ('4') device, or a fifo ('6'). */
    public TarBuilder node(String name, byte type, int major, int minor, Consumer<TarArchiveEntry> tweak) {
        TarArchiveEntry e = entry(name, type, 0600);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        tweak.accept(e);
        return add(e, new byte[0]);
    }

    /** Deletes {@code name} from the layers below. */
    public TarBuilder whiteout(String dir, String name) {
        return file((dir.isEmpty() ? "" : dir + "/") + ".wh." + name, new byte[0], 0644);
    }

    /** Hides everything the layers below have in {@code dir}. */
    public TarBuilder opaque(String dir) {
        return file(dir + "/.wh..wh..opq", new byte[0], 0644);
    }

    /** Any entry, as built. */
    public TarBuilder raw(TarArchiveEntry e, byte[] data) {
        return add(e, data);
    }

    /** A PAX extended header ('x') with raw byte values; it applies to the next entry. */
    public TarBuilder pax(Map<String, byte[]> records) {
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
    public byte[] bytes() {
        try {
            tar.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] gzip(byte[] data) {
        return compress(data, GZIPOutputStream::new);
    }

    public static byte[] zstd(byte[] data) {
        return compress(data, ZstdCompressorOutputStream::new);
    }

    private interface Compressor {
        OutputStream around(OutputStream out) throws IOException;
    }

    private static byte[] compress(byte[] data, Compressor compressor) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream c = compressor.around(out)) {
            c.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private TarArchiveEntry entry(String name, byte type, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true); // true: keep a leading "/" as written
        e.setMode(mode);
        e.setLastModifiedTime(T0);
        e.setIds(uid, gid);
        return e;
    }

    private TarBuilder add(TarArchiveEntry e, byte[] data) {
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
