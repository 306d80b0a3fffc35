package dev.hako.snapshot;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.hako.error.HakoException;
import dev.hako.image.spec.MediaTypes;
import dev.hako.sys.Errno;
import dev.hako.sys.ErrnoException;
import dev.hako.sys.FileCalls;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorInputStream;

/**
 * Unpacks one image layer into an empty directory, in the form overlayfs stacks as a lowerdir:
 * whiteouts become 0:0 character devices, opaque markers the {@code trusted.overlay.opaque} xattr.
 * Each layer is unpacked alone (no parent layers present), so an image's layers can be unpacked in
 * parallel.
 *
 * <p>The archive is hostile until proven otherwise: nothing is ever created, changed or followed
 * outside the target directory. Names with {@code ..}, absolute names, names below a symlink and hard
 * links to anything but an existing file of this layer are rejected with a {@link HakoException}
 * (FAILED_PRECONDITION) naming the entry. Symlinks themselves are created with whatever target text
 * they carry: they are only ever resolved inside the container.
 */
public final class LayerUnpacker {
    private LayerUnpacker() {}

    private static final int BUFFER = 128 * 1024;
    private static final String WHITEOUT = ".wh.";
    private static final String WHITEOUT_META = ".wh..wh.";
    private static final String OPAQUE = ".wh..wh..opq";
    private static final String XATTR = "SCHILY.xattr.";
    private static final byte[] YES = {'y'};
    private static final long MAX_ID = 0xfffffffeL; // (uid_t) -1 means "leave unchanged" to chown
    private static final Set<OpenOption> CREATE_FILE =
            Set.copyOf(EnumSet.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW));

    /**
     * Decompresses {@code layer} (per {@code compression}), unpacks the tar into {@code dir} (existing,
     * empty) and digests the uncompressed stream, read to its end even after the tar's end marker. The
     * caller's stream is not closed.
     */
    public static UnpackResult unpack(InputStream layer, MediaTypes.Compression compression, Path dir)
            throws IOException {
        return unpack(layer, compression, dir, Long.MAX_VALUE);
    }

    /**
     * As {@link #unpack(InputStream, MediaTypes.Compression, Path)}, refusing (FAILED_PRECONDITION) a
     * layer whose uncompressed stream is longer than {@code maxUncompressed} bytes as soon as it is:
     * a small blob that inflates without end (a gzip or zstd bomb) stops there, not at a full disk.
     */
    public static UnpackResult unpack(InputStream layer, MediaTypes.Compression compression, Path dir,
            long maxUncompressed) throws IOException {
        InputStream caller = new FilterInputStream(layer) {
            @Override
            public void close() {
                // the caller opened it, the caller closes it
            }
        };
        try (InputStream plain = decompress(caller, compression)) {
            DigestingInputStream tar = new DigestingInputStream(plain, maxUncompressed);
            LayerTarInputStream archive = new LayerTarInputStream(new BufferedInputStream(tar, BUFFER));
            Unpacker unpacker = new Unpacker(dir);
            long entries = 0;
            for (LayerTarInputStream.Entry e; (e = archive.next()) != null; entries++) {
                unpacker.apply(e, archive);
            }
            unpacker.finish();
            tar.drain();
            return new UnpackResult(tar.digest(), tar.count(), entries);
        }
    }

    private static InputStream decompress(InputStream in, MediaTypes.Compression compression) throws IOException {
        return switch (compression) {
            case NONE -> in;
            // true: a gzip stream may hold several members (pigz and some registries write them)
            case GZIP -> new GzipCompressorInputStream(new BufferedInputStream(in, BUFFER), true);
            case ZSTD -> new ZstdCompressorInputStream(in);
        };
    }

    private static HakoException reject(String entry, String reason) {
        return new HakoException(HakoException.Kind.FAILED_PRECONDITION, "layer entry \"" + entry + "\": " + reason);
    }

    private enum Type { FILE, DIR, SYMLINK, HARDLINK, CHAR, BLOCK, FIFO }

    private record DirMeta(int mode, FileTime accessed, FileTime modified) {}

    /** The state of one unpack: what is known about the tree built so far. */
    private static final class Unpacker {
        private final Path root;
        /**
         * Relative paths known to be real directories (never symlinks). Only this unpack writes into
         * the tree, so a path stays a directory until an entry replaces it, which forgets it and all
         * below: one set lookup instead of an lstat per path component per entry.
         */
        private final Set<String> dirs = new HashSet<>();
        /** Mode and times of directory entries, applied at the end: writing children changes a directory's mtime. */
        private final Map<String, DirMeta> dirMeta = new LinkedHashMap<>();
        private final byte[] buffer = new byte[BUFFER];

        Unpacker(Path root) {
            this.root = root;
            dirs.add("");
        }

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
            Type type = typeOf(h.getLinkFlag(), name);
            if (type == null) {
                throw reject(name, "unsupported entry type '" + (char) h.getLinkFlag() + "'");
            }
            List<String> parts = split(name, name, "the name");
            int n = parts.size();
            if (n == 0) {
                if (type != Type.DIR) {
                    throw reject(name, "names the layer root but is not a directory");
                }
                checkIds(h, name);
                directory(entry, root, "");
                return;
            }
            for (int i = 0; i < n - 1; i++) {
                if (parts.get(i).startsWith(WHITEOUT)) {
                    if (parts.get(i).startsWith(WHITEOUT_META)) {
                        return; // inside aufs bookkeeping (.wh..wh.plnk/…): meaningless to overlayfs
                    }
                    throw reject(name, "a whiteout is used as a directory");
                }
            }
            String base = parts.get(n - 1);
            if (base.startsWith(WHITEOUT)) {
                whiteout(name, parts, base);
                return;
            }
            String rel = n == 1 ? base : String.join("/", parts);
            if (type == Type.HARDLINK) {
                hardLink(entry, parts, rel); // validates its target before touching anything
                return;
            }
            checkIds(h, name);
            Path path = ensureDirs(parts, n - 1, name).resolve(base);
            switch (type) {
                case FILE -> file(entry, path, rel, data);
                case DIR -> {
                    try {
                        Files.createDirectory(path);
                    } catch (FileAlreadyExistsException e) {
                        if (!isDirectory(path)) { // a directory replacing a directory is kept
                            remove(path, rel);
                            Files.createDirectory(path);
                        }
                    }
                    dirs.add(rel);
                    directory(entry, path, rel);
                }
                case SYMLINK -> symlink(entry, path, rel);
                case CHAR, BLOCK, FIFO -> node(entry, type, path, rel);
                default -> throw new IllegalStateException(type.toString());
            }
        }

        private static Type typeOf(byte flag, String name) {
            return switch (flag) {
                case '0', '7' -> Type.FILE; // '7' is a "contiguous file", a plain file everywhere that matters
                case 0 -> name.endsWith("/") ? Type.DIR : Type.FILE; // pre-POSIX tars mark directories by the slash
                case '1' -> Type.HARDLINK;
                case '2' -> Type.SYMLINK;
                case '3' -> Type.CHAR;
                case '4' -> Type.BLOCK;
                case '5' -> Type.DIR;
                case '6' -> Type.FIFO;
                default -> null;
            };
        }

        /** The components of a name inside the layer; absolute names and {@code ..} are rejected. */
        private static List<String> split(String raw, String entry, String what) {
            if (raw.startsWith("/")) {
                throw reject(entry, what + " is an absolute path");
            }
            List<String> parts = new ArrayList<>();
            for (String part : raw.split("/")) {
                if (part.isEmpty() || part.equals(".")) {
                    continue;
                }
                if (part.equals("..")) {
                    throw reject(entry, what + " has a \"..\" component");
                }
                parts.add(part);
            }
            return parts;
        }

        private static void checkIds(TarArchiveEntry h, String name) {
            long uid = h.getLongUserId();
            long gid = h.getLongGroupId();
            if (uid < 0 || uid > MAX_ID || gid < 0 || gid > MAX_ID) {
                throw reject(name, "uid " + uid + " or gid " + gid + " is out of range");
            }
        }

        /**
         * The directory made of the first {@code count} components, created (0755, root) where missing.
         * Every existing component must be a real directory: a symlink is rejected wherever it points.
         */
        private Path ensureDirs(List<String> parts, int count, String name) throws IOException {
            if (count == 0) {
                return root;
            }
            String full = count == 1 ? parts.getFirst() : String.join("/", parts.subList(0, count));
            if (dirs.contains(full)) {
                return root.resolve(full);
            }
            StringBuilder rel = new StringBuilder(full.length());
            for (int i = 0; i < count; i++) {
                if (i > 0) {
                    rel.append('/');
                }
                rel.append(parts.get(i));
                String prefix = rel.toString();
                if (dirs.contains(prefix)) {
                    continue;
                }
                Path dir = root.resolve(prefix);
                BasicFileAttributes a = lstat(dir);
                if (a == null) {
                    Files.createDirectory(dir);
                    Files.setAttribute(dir, "unix:mode", 0755); // whatever the daemon's umask
                } else if (a.isSymbolicLink()) {
                    throw reject(name, "its parent \"" + prefix + "\" is a symbolic link");
                } else if (!a.isDirectory()) {
                    throw reject(name, "its parent \"" + prefix + "\" is not a directory");
                }
                dirs.add(prefix);
            }
            return root.resolve(full);
        }

        private void whiteout(String name, List<String> parts, String base) throws IOException {
            int n = parts.size();
            if (base.equals(OPAQUE)) {
                FileCalls.lsetxattr(ensureDirs(parts, n - 1, name), "trusted.overlay.opaque", YES);
                return;
            }
            if (base.startsWith(WHITEOUT_META)) {
                return; // other aufs metadata (.wh..wh.plnk, .wh..wh.aufs): nothing for overlayfs
            }
            String hidden = base.substring(WHITEOUT.length());
            if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
                throw reject(name, "a whiteout of \"" + hidden + "\" is not valid");
            }
            Path path = ensureDirs(parts, n - 1, name).resolve(hidden);
            String rel = n == 1 ? hidden : String.join("/", parts.subList(0, n - 1)) + "/" + hidden;
            mknod(path, rel, FileCalls.S_IFCHR, FileCalls.makedev(0, 0));
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
            metadata(entry, path, true, true);
        }

        private FileChannel create(Path path, String rel) throws IOException {
            try {
                return FileChannel.open(path, CREATE_FILE); // O_EXCL: never opens through a symlink
            } catch (FileAlreadyExistsException e) {
                remove(path, rel);
                return FileChannel.open(path, CREATE_FILE);
            }
        }

        private void directory(LayerTarInputStream.Entry entry, Path path, String rel) throws IOException {
            TarArchiveEntry h = entry.header();
            own(path, h);
            xattrs(entry, path, true);
            FileTime modified = modified(h);
            dirMeta.put(rel, new DirMeta(h.getMode() & 07777, accessed(h, modified), modified));
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
                remove(path, rel);
                FileCalls.symlink(target, path);
            }
            metadata(entry, path, false, false);
        }

        private void node(LayerTarInputStream.Entry entry, Type type, Path path, String rel) throws IOException {
            TarArchiveEntry h = entry.header();
            int kind = switch (type) {
                case CHAR -> FileCalls.S_IFCHR;
                case BLOCK -> FileCalls.S_IFBLK;
                default -> FileCalls.S_IFIFO;
            };
            long dev = type == Type.FIFO ? 0 : FileCalls.makedev(h.getDevMajor(), h.getDevMinor());
            mknod(path, rel, kind, dev);
            metadata(entry, path, true, false);
        }

        /** mknod with permissions 0 (set properly afterwards), replacing whatever is at {@code path}. */
        private void mknod(Path path, String rel, int kind, long dev) throws IOException {
            try {
                FileCalls.mknod(path, kind, dev);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
                remove(path, rel);
                FileCalls.mknod(path, kind, dev);
            }
        }

        private void hardLink(LayerTarInputStream.Entry entry, List<String> parts, String rel) throws IOException {
            String name = entry.name();
            String link = entry.linkName();
            if (link == null || link.isEmpty()) {
                throw reject(name, "a hard link without a target");
            }
            String what = "the hard link target \"" + link + "\"";
            List<String> target = split(link, name, what);
            if (target.isEmpty()) {
                throw reject(name, what + " is the layer root");
            }
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < target.size() - 1; i++) { // look, never create: the target must exist
                if (i > 0) {
                    prefix.append('/');
                }
                prefix.append(target.get(i));
                String dir = prefix.toString();
                if (dirs.contains(dir)) {
                    continue;
                }
                BasicFileAttributes a = lstat(root.resolve(dir));
                if (a != null && a.isSymbolicLink()) {
                    throw reject(name, what + " goes through the symbolic link \"" + dir + "\"");
                }
                if (a == null || !a.isDirectory()) {
                    throw reject(name, what + " does not exist in this layer");
                }
                dirs.add(dir);
            }
            String targetRel = String.join("/", target);
            Path targetPath = root.resolve(targetRel);
            BasicFileAttributes a = lstat(targetPath);
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
            Path path = ensureDirs(parts, parts.size() - 1, name).resolve(parts.getLast());
            try {
                Files.createLink(path, targetPath); // link(2) does not follow a symlink target: it links the symlink
            } catch (FileAlreadyExistsException e) {
                remove(path, rel);
                Files.createLink(path, targetPath);
            }
        }

        /** Owner, then mode (chown clears setuid), then xattrs (chown clears security.capability), then times. */
        private void metadata(LayerTarInputStream.Entry entry, Path path, boolean chmod, boolean regular)
                throws IOException {
            TarArchiveEntry h = entry.header();
            own(path, h);
            if (chmod) {
                Files.setAttribute(path, "unix:mode", h.getMode() & 07777); // chmod(2); never called on a symlink
            }
            xattrs(entry, path, regular);
            FileTime modified = modified(h);
            FileCalls.setTimes(path, accessed(h, modified), modified);
        }

        private static void own(Path path, TarArchiveEntry h) throws IOException {
            FileCalls.lchown(path, (int) h.getLongUserId(), (int) h.getLongGroupId());
        }

        /**
         * The entry's {@code SCHILY.xattr.*} records, values as raw bytes. {@code trusted.overlay.*} is
         * overlayfs's own namespace, set here only from whiteouts, never by the archive directly.
         */
        private static void xattrs(LayerTarInputStream.Entry entry, Path path, boolean userAllowed) throws IOException {
            Map<String, String> decoded = entry.header().getExtraPaxHeaders(); // global headers end up here too
            if (decoded.isEmpty() && entry.pax().isEmpty()) {
                return;
            }
            Map<String, byte[]> xattrs = new HashMap<>();
            decoded.forEach((k, v) -> {
                if (k.startsWith(XATTR)) {
                    xattrs.put(k.substring(XATTR.length()), v.getBytes(StandardCharsets.UTF_8));
                }
            });
            entry.pax().forEach((k, v) -> {
                if (k.startsWith(XATTR)) {
                    xattrs.put(k.substring(XATTR.length()), v);
                }
            });
            for (Map.Entry<String, byte[]> x : xattrs.entrySet()) {
                String key = x.getKey();
                if (key.isEmpty() || key.startsWith("trusted.overlay.")) {
                    continue;
                }
                try {
                    FileCalls.lsetxattr(path, key, x.getValue());
                } catch (ErrnoException e) {
                    // the file system lacks the namespace, or the kernel allows user.* only on files and dirs
                    boolean skip = e.errno() == Errno.EOPNOTSUPP
                            || (e.errno() == Errno.EPERM && !userAllowed && key.startsWith("user."));
                    if (!skip) {
                        throw e;
                    }
                }
            }
        }

        private static FileTime modified(TarArchiveEntry h) {
            FileTime t = h.getLastModifiedTime();
            return t != null ? t : FileTime.fromMillis(0);
        }

        private static FileTime accessed(TarArchiveEntry h, FileTime modified) {
            FileTime t = h.getLastAccessTime();
            return t != null ? t : modified;
        }

        /** Removes what an earlier entry put at {@code path}, a whole tree if it is a directory. */
        private void remove(Path path, String rel) throws IOException {
            BasicFileAttributes a = lstat(path);
            if (a == null) {
                return;
            }
            if (a.isDirectory()) {
                dev.hako.sys.FileTrees.delete(path);
                String below = rel + "/";
                dirs.remove(rel);
                dirs.removeIf(d -> d.startsWith(below));
                dirMeta.remove(rel);
                dirMeta.keySet().removeIf(d -> d.startsWith(below));
            } else {
                Files.delete(path);
            }
        }

        /** Applies directory modes and times last, after their contents are written. */
        void finish() throws IOException {
            for (Map.Entry<String, DirMeta> e : dirMeta.entrySet()) {
                Path path = e.getKey().isEmpty() ? root : root.resolve(e.getKey());
                DirMeta m = e.getValue();
                Files.setAttribute(path, "unix:mode", m.mode());
                FileCalls.setTimes(path, m.accessed(), m.modified());
            }
        }

        private static boolean isDirectory(Path path) throws IOException {
            BasicFileAttributes a = lstat(path);
            return a != null && a.isDirectory();
        }

        private static BasicFileAttributes lstat(Path path) throws IOException {
            try {
                return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return null;
            }
        }
    }
}
