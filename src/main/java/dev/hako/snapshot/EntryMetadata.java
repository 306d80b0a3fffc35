package dev.hako.snapshot;

import dev.hako.sys.FileCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/** An entry's owner, mode, extended attributes and times, applied to what it created. */
final class EntryMetadata {
    private EntryMetadata() {}

    private static final long MAX_ID = 0xfffffffeL; // (uid_t) -1 means "leave unchanged" to chown

    /** Mode and times of a directory, applied after its contents: writing children changes a directory's mtime. */
    record Deferred(int mode, FileTime accessed, FileTime modified) {}

    /** Rejects an owner or group a chown could not set, or would take for "leave unchanged". */
    static void checkIds(TarArchiveEntry h, String name) {
        long uid = h.getLongUserId();
        long gid = h.getLongGroupId();
        if (uid < 0 || uid > MAX_ID || gid < 0 || gid > MAX_ID) {
            throw EntryNames.reject(name, "uid " + uid + " or gid " + gid + " is out of range");
        }
    }

    /**
     * Owner, then mode (chown clears setuid), then xattrs (chown clears security.capability), then times.
     * {@code chmod} false for a symlink; {@code regular} for a regular file, where user.* xattrs are allowed.
     */
    static void apply(LayerTarInputStream.Entry entry, Path path, boolean chmod, boolean regular) throws IOException {
        TarArchiveEntry h = entry.header();
        own(path, h);
        if (chmod) {
            Files.setAttribute(path, "unix:mode", h.getMode() & 07777); // chmod(2); never called on a symlink
        }
        EntryXattrs.set(entry, path, regular);
        FileTime modified = modified(h);
        FileCalls.setTimes(path, accessed(h, modified), modified);
    }

    /** Owner and xattrs of a directory now; its mode and times returned to apply last. */
    static Deferred directory(LayerTarInputStream.Entry entry, Path path) throws IOException {
        TarArchiveEntry h = entry.header();
        own(path, h);
        EntryXattrs.set(entry, path, true);
        FileTime modified = modified(h);
        return new Deferred(h.getMode() & 07777, accessed(h, modified), modified);
    }

    private static void own(Path path, TarArchiveEntry h) throws IOException {
        FileCalls.lchown(path, (int) h.getLongUserId(), (int) h.getLongGroupId());
    }

    /** The entry's mtime, the epoch when it has none. */
    static FileTime modified(TarArchiveEntry h) {
        FileTime t = h.getLastModifiedTime();
        return t != null ? t : FileTime.fromMillis(0);
    }

    /** The entry's atime, its mtime when it has none. */
    static FileTime accessed(TarArchiveEntry h, FileTime modified) {
        FileTime t = h.getLastAccessTime();
        return t != null ? t : modified;
    }
}
