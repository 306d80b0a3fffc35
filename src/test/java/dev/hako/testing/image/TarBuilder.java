package dev.hako.testing.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Builds an uncompressed layer tar in memory, entry by entry, including the odd ones (whiteouts, hostile names). */
public final class TarBuilder {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;
    private int uid;
    private int gid;

    public TarBuilder() {
        tar = new TarArchiveOutputStream(bytes);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    /** Owner of the entries added after this call (root by default): the test's own user needs no CAP_CHOWN to unpack them. */
    public TarBuilder owner(int uid, int gid) {
        this.uid = uid;
        this.gid = gid;
        return this;
    }

    public TarBuilder dir(String name) {
        return dir(name, 0755);
    }

    public TarBuilder dir(String name, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", TarArchiveEntry.LF_DIR);
        e.setMode(mode);
        return put(e, null);
    }

    public TarBuilder file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
    }

    public TarBuilder file(String name, byte[] content, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(mode);
        e.setSize(content.length);
        return put(e, content);
    }

    /** A file copied from this machine (e.g. /bin/busybox from Debian's busybox-static). */
    public TarBuilder hostFile(String name, Path source, int mode) {
        try {
            return file(name, Files.readAllBytes(source), mode);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file whose name is kept exactly as given, even absolute: for hostile-archive tests. */
    public TarBuilder rawFile(String name, String content) {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setMode(0644);
        e.setSize(data.length);
        return put(e, data);
    }

    public TarBuilder symlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
        e.setLinkName(target);
        return put(e, null);
    }

    public TarBuilder hardlink(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK);
        e.setLinkName(target);
        return put(e, null);
    }

    /** Deletes {@code name} from the layers below. */
    public TarBuilder whiteout(String dir, String name) {
        return file((dir.isEmpty() ? "" : dir + "/") + ".wh." + name, new byte[0], 0644);
    }

    /** Hides everything the layers below have in {@code dir}. */
    public TarBuilder opaque(String dir) {
        return file(dir + "/.wh..wh..opq", new byte[0], 0644);
    }

    private TarBuilder put(TarArchiveEntry e, byte[] content) {
        try {
            e.setModTime(1_700_000_000_000L);
            e.setIds(uid, gid);
            tar.putArchiveEntry(e);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
            return this;
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    public byte[] build() {
        try {
            tar.finish();
            tar.close();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
