package dev.hako.snapshot;

import static dev.hako.snapshot.EntryNames.reject;

import dev.hako.sys.Errno;
import dev.hako.sys.ErrnoException;
import dev.hako.sys.FileCalls;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Writes tar entries into a {@link LayerTree}, one at a time: files, directories, symlinks, device
 * nodes, fifos and hard links, and whiteouts as overlayfs wants them. An entry replaces whatever an
 * earlier one put at its name, as a later entry of a tar does.
 */
final class EntryWriter {
    private static final byte[] YES = {'y'};
    private static final Set<OpenOption> CREATE_FILE =
            Set.copyOf(EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW));

    private final LayerTree tree;
    private final byte[] buffer = new byte[LayerUnpacker.BUFFER];

    EntryWriter(LayerTree tree) {
        this.tree = tree;
    }

    /** Writes {@code entry}, its content read from {@code data}; errors name the entry. */
    void apply(LayerTarInputStream.Entry entry, InputStream data) throws IOException {
        try {
            applyEntry(entry, data);
        } catch (InvalidPathException e) {
            throw reject(entry.name(), "not a valid path: " + e.getReason());
        } catch (IOException e) {
            throw new IOException("layer entry \"" + entry.name() + "\": " + e.getMessage(), e);
        }
    }

    private void applyEntry(LayerTarInputStream.Entry entry, InputStream data) throws IOException {
        TarArchiveEntry h = entry.header();
        String name = entry.name();
        if (h.isSparse()) {
            throw reject(name, "sparse files are not supported");
        }
        EntryType type = EntryType.of(h.getLinkFlag(), name);
        if (type == null) {
            throw reject(name, "unsupported entry type '" + (char) h.getLinkFlag() + "'");
        }
        List<String> parts = EntryNames.split(name, name, "the name");
        int n = parts.size();
        if (n == 0) {
            if (type != EntryType.DIR) {
                throw reject(name, "names the layer root but is not a directory");
            }
            EntryMetadata.checkIds(h, name);
            directory(entry, tree.root(), "");
            return;
        }
        if (Whiteouts.insideMetadata(parts, name)) {
            return; // inside aufs bookkeeping (.wh..wh.plnk/…): meaningless to overlayfs
        }
        String base = parts.get(n - 1);
        if (Whiteouts.isWhiteout(base)) {
            whiteout(name, parts, base);
            return;
        }
        String rel = EntryNames.join(parts, n);
        if (type == EntryType.HARDLINK) {
            hardLink(entry, parts, rel); // validates its target before touching anything
            return;
        }
        EntryMetadata.checkIds(h, name);
        Path path = tree.ensureDirs(parts, n - 1, name).resolve(base);
        switch (type) {
            case FILE -> file(entry, path, rel, data);
            case DIR -> {
                try {
                    Files.createDirectory(path);
                } catch (FileAlreadyExistsException e) {
                    if (!LayerTree.isDirectory(path)) { // a directory replacing a directory is kept
                        tree.remove(path, rel);
                        Files.createDirectory(path);
                    }
                }
                tree.addDirectory(rel);
                directory(entry, path, rel);
            }
            case SYMLINK -> symlink(entry, path, rel);
            case CHAR, BLOCK, FIFO -> node(entry, type, path, rel);
            default -> throw new IllegalStateException(type.toString());
        }
    }

    /** A whiteout: an opaque directory marker as the xattr, a hidden name as a 0:0 character device. */
    private void whiteout(String name, List<String> parts, String base) throws IOException {
        int n = parts.size();
        switch (Whiteouts.action(base, name)) {
            case Whiteouts.Opaque o ->
                    FileCalls.lsetxattr(tree.ensureDirs(parts, n - 1, name), "trusted.overlay.opaque", YES);
            case Whiteouts.Ignore i -> {
                // nothing for overlayfs
            }
            case Whiteouts.Hide(String hidden) -> {
                Path path = tree.ensureDirs(parts, n - 1, name).resolve(hidden);
                String rel = n == 1 ? hidden : EntryNames.join(parts, n - 1) + "/" + hidden;
                mknod(path, rel, FileCalls.S_IFCHR, FileCalls.makedev(0, 0));
            }
        }
    }

    private void file(LayerTarInputStream.Entry entry, Path path, String rel, InputStream data) throws IOException {
        try (FileChannel channel = create(path, rel)) {
            long remaining = entry.header().getSize();
            while (remaining > 0) {
                int n = data.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (n < 0) {
                    throw new EOFException("the archive ends inside the file's data");
                }
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
                while (chunk.hasRemaining()) {
                    channel.write(chunk);
                }
                remaining -= n;
            }
        }
        EntryMetadata.apply(entry, path, true, true);
    }

    private FileChannel create(Path path, String rel) throws IOException {
        try {
            return FileChannel.open(path, CREATE_FILE); // O_EXCL: never opens through a symlink
        } catch (FileAlreadyExistsException e) {
            tree.remove(path, rel);
            return FileChannel.open(path, CREATE_FILE);
        }
    }

    private void directory(LayerTarInputStream.Entry entry, Path path, String rel) throws IOException {
        tree.defer(rel, EntryMetadata.directory(entry, path));
    }

    private void symlink(LayerTarInputStream.Entry entry, Path path, String rel) throws IOException {
        String target = entry.linkName();
        if (target == null || target.isEmpty()) {
            throw reject(entry.name(), "a symbolic link without a target");
        }
        try {
            FileCalls.symlink(target, path);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EEXIST) {
                throw e;
            }
            tree.remove(path, rel);
            FileCalls.symlink(target, path);
        }
        EntryMetadata.apply(entry, path, false, false);
    }

    private void node(LayerTarInputStream.Entry entry, EntryType type, Path path, String rel) throws IOException {
        TarArchiveEntry h = entry.header();
        int kind = switch (type) {
            case CHAR -> FileCalls.S_IFCHR;
            case BLOCK -> FileCalls.S_IFBLK;
            default -> FileCalls.S_IFIFO;
        };
        long dev = type == EntryType.FIFO ? 0 : FileCalls.makedev(h.getDevMajor(), h.getDevMinor());
        mknod(path, rel, kind, dev);
        EntryMetadata.apply(entry, path, true, false);
    }

    /** mknod with permissions 0 (set properly afterwards), replacing whatever is at {@code path}. */
    private void mknod(Path path, String rel, int kind, long dev) throws IOException {
        try {
            FileCalls.mknod(path, kind, dev);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EEXIST) {
                throw e;
            }
            tree.remove(path, rel);
            FileCalls.mknod(path, kind, dev);
        }
    }

    /** A hard link, only to an existing non-directory of this layer, reached through real directories. */
    private void hardLink(LayerTarInputStream.Entry entry, List<String> parts, String rel) throws IOException {
        String name = entry.name();
        String link = entry.linkName();
        if (link == null || link.isEmpty()) {
            throw reject(name, "a hard link without a target");
        }
        String what = "the hard link target \"" + link + "\"";
        List<String> target = EntryNames.split(link, name, what);
        if (target.isEmpty()) {
            throw reject(name, what + " is the layer root");
        }
        tree.requireDirs(target, target.size() - 1, name, what); // look, never create: the target must exist
        String targetRel = String.join("/", target);
        Path targetPath = tree.root().resolve(targetRel);
        BasicFileAttributes a = LayerTree.lstat(targetPath);
        if (a == null) {
            throw reject(name, what + " does not exist in this layer");
        }
        if (a.isDirectory()) {
            throw reject(name, what + " is a directory");
        }
        if (targetRel.equals(rel)) {
            return; // a link to itself changes nothing
        }
        if (targetRel.startsWith(rel + "/")) {
            throw reject(name, what + " is inside the entry it would replace");
        }
        Path path = tree.ensureDirs(parts, parts.size() - 1, name).resolve(parts.getLast());
        try {
            Files.createLink(path, targetPath); // link(2) does not follow a symlink target: it links the symlink
        } catch (FileAlreadyExistsException e) {
            tree.remove(path, rel);
            Files.createLink(path, targetPath);
        }
    }
}
