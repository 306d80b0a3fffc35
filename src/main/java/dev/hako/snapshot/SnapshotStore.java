package dev.hako.snapshot;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.hako.error.HakoException;
import dev.hako.image.spec.Digest;
import dev.hako.sys.FileCalls;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Committed layer directories, keyed by chain ID, under {@code <root>/snapshots}:
 * {@code layers/<hex>/fs} holds a layer's files; {@code tmp/} holds layers being unpacked or
 * deleted. A layer appears under {@code layers/} only by an atomic rename of a complete directory
 * and leaves it the same way, so after a crash {@code layers/} holds only whole layers and
 * {@link #cleanupTemp} sweeps the rest.
 *
 * <p>{@code l/<short>} is a symlink to {@code ../layers/<hex>/fs} per layer, its name the shortest
 * prefix of the chain ID (8 hex digits at least) that no other layer holds: what overlayfs gets as a
 * lowerdir, relative to {@code l/}, so that hundreds of layers fit in the one page mount(2) takes for
 * its options (see {@link #lowerDir}). Links are made when a layer is committed, removed with it,
 * and checked at start-up (missing ones made, stale ones removed).
 *
 * <p>Modes: everything Hako makes here is 0700 and root's ({@code snapshots}, {@code layers},
 * {@code tmp}, {@code l}, each {@code layers/<hex>}): only root mounts layers, and overlayfs reads
 * lowerdirs with the mounter's credentials, so no one else needs to traverse them. Below {@code fs}
 * the image's own modes apply; {@code fs} itself is 0755 unless the layer sets its root's mode.
 *
 * <p>I/O failures throw {@link HakoException} (INTERNAL) naming the path.
 */
public final class SnapshotStore {
    private static final String FS = "fs";
    /** Hex digits of the shortest link name: one layer's cost in the mount options is this plus a colon. */
    public static final int SHORT_LINK = 8;

    private final Path base;
    private final Path layers;
    private final Path tmp;
    private final Path links;
    /** Link names are picked and reclaimed under this lock (creating a link is cheap). */
    private final Object linkLock = new Object();

    /**
     * Uses {@code <root>/snapshots/}, creating it and its subdirectories (0700, made so again if an
     * older version left them open), and repairs the short links.
     */
    public SnapshotStore(Path root) {
        this.base = root.toAbsolutePath().normalize().resolve("snapshots");
        this.layers = base.resolve("layers");
        this.tmp = base.resolve("tmp");
        this.links = base.resolve("l");
        try {
            for (Path dir : new Path[] {base, layers, tmp, links}) {
                privateDir(dir);
            }
        } catch (IOException e) {
            throw failure("cannot create the snapshot directories under " + base, e);
        }
        repairLinks();
    }

    /** Creates {@code dir} 0700 (whatever the umask), or makes an existing one 0700. */
    private static void privateDir(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir, NOFOLLOW_LINKS)) {
                throw e;
            }
        }
        Files.setAttribute(dir, "unix:mode", 0700, NOFOLLOW_LINKS);
    }

    public boolean exists(Digest chainId) {
        return Files.isDirectory(layerDir(chainId), NOFOLLOW_LINKS);
    }

    /** {@code <root>/snapshots/layers/<hex>/fs}: the files of the layer with this chain ID. */
    public Path layerDir(Digest chainId) {
        return layers.resolve(chainId.hex()).resolve(FS);
    }

    /**
     * {@code <root>/snapshots/l/<short>}: the short link to the layer's files, made if missing, for
     * overlayfs's lowerdir. Every layer's link is in the same directory, so a mount run there names
     * each layer by {@link #SHORT_LINK} characters (more only when another layer has the same prefix).
     */
    public Path lowerDir(Digest chainId) {
        if (!exists(chainId)) {
            throw HakoException.failedPrecondition("layer " + chainId + " is missing on disk");
        }
        try {
            return ensureLink(chainId.hex());
        } catch (IOException e) {
            throw failure("cannot make the short link of layer " + chainId + " in " + links, e);
        }
    }

    private static String linkTarget(String hex) {
        return "../layers/" + hex + "/" + FS;
    }

    /** The layer hex a link in {@code l/} points to, or null when it is not one of our links. */
    private static String linkedLayer(Path link) {
        try {
            String target = Files.readSymbolicLink(link).toString();
            String prefix = "../layers/";
            String suffix = "/" + FS;
            if (!target.startsWith(prefix) || !target.endsWith(suffix)) {
                return null;
            }
            String hex = target.substring(prefix.length(), target.length() - suffix.length());
            return hex.length() == 64 && hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))
                    && hex.startsWith(link.getFileName().toString()) ? hex : null;
        } catch (IOException | UnsupportedOperationException e) {
            return null; // gone, or not a symlink
        }
    }

    /**
     * The link of layer {@code hex}: the shortest prefix, from {@link #SHORT_LINK} digits, that is
     * free or already ours. A name held by a link to a layer that is gone, or by anything that is not
     * one of our links, is reclaimed; one held by a live layer is a collision, and a longer prefix
     * is tried (the full 64 digits cannot collide).
     */
    private Path ensureLink(String hex) throws IOException {
        synchronized (linkLock) {
            for (int len = SHORT_LINK; len <= hex.length(); len++) {
                Path link = links.resolve(hex.substring(0, len));
                if (!Files.exists(link, NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, Path.of(linkTarget(hex)));
                    return link;
                }
                String holder = linkedLayer(link);
                if (hex.equals(holder)) {
                    return link;
                }
                if (holder != null && Files.isDirectory(layers.resolve(holder), NOFOLLOW_LINKS)) {
                    continue; // another layer's name
                }
                dev.hako.sys.FileTrees.delete(link); // stale or foreign: ours to reuse
                Files.createSymbolicLink(link, Path.of(linkTarget(hex)));
                return link;
            }
            throw new IOException("no free link name for layer " + hex);
        }
    }

    /** Removes every link that points to layer {@code hex} (the short one, and longer ones of past collisions). */
    private void removeLinks(String hex) throws IOException {
        synchronized (linkLock) {
            for (int len = SHORT_LINK; len <= hex.length(); len++) {
                Path link = links.resolve(hex.substring(0, len));
                if (hex.equals(linkedLayer(link))) {
                    Files.deleteIfExists(link);
                }
            }
        }
    }

    /**
     * Start-up repair of {@code l/}: links to layers that are gone (a crash during a removal) and
     * anything else that is not one of our links go; every layer without a link (a crash right after
     * its commit, or a store from before links) gets one.
     */
    private void repairLinks() {
        try {
            synchronized (linkLock) {
                try (DirectoryStream<Path> stream = Files.newDirectoryStream(links)) {
                    for (Path link : stream) {
                        String hex = linkedLayer(link);
                        if (hex == null || !Files.isDirectory(layers.resolve(hex), NOFOLLOW_LINKS)) {
                            dev.hako.sys.FileTrees.delete(link);
                        }
                    }
                }
            }
            for (Digest chainId : list()) {
                if (exists(chainId)) {
                    ensureLink(chainId.hex());
                }
            }
        } catch (IOException e) {
            throw failure("cannot repair the short links in " + links, e);
        }
    }

    /** A fresh empty directory (0755) to unpack a layer into, {@code tmp/<unique>/fs}. */
    public Path prepare() {
        try {
            Path unique = Files.createTempDirectory(tmp, "unpack-");
            Path fs = unique.resolve(FS);
            Files.createDirectory(fs);
            Files.setAttribute(fs, "unix:mode", 0755); // the layer root, whatever the daemon's umask
            return fs;
        } catch (IOException e) {
            throw failure("cannot create a directory under " + tmp, e);
        }
    }

    /**
     * Makes a prepared layer the one for {@code chainId}: its data is flushed to disk first, then its
     * directory is renamed into {@code layers/}. When the layer is already there (another pull of the
     * same layer won), the prepared copy is discarded.
     */
    public void commit(Path prepared, Digest chainId) {
        Path unique = preparedRoot(prepared);
        if (exists(chainId)) {
            discard(prepared);
            return;
        }
        Path target = layers.resolve(chainId.hex());
        try {
            // one syncfs, not an fsync per file: a crash must not leave a committed layer with empty files
            FileCalls.syncfs(unique);
            try {
                Files.move(unique, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                if (!exists(chainId)) {
                    throw e;
                }
                discard(prepared); // lost the race: rename(2) fails on the winner's non-empty directory
                return;
            }
            try (FileChannel dir = FileChannel.open(layers, StandardOpenOption.READ)) {
                dir.force(true); // the rename itself
            }
            ensureLink(chainId.hex()); // a crash before this: start-up makes it
        } catch (IOException e) {
            throw failure("cannot commit layer " + chainId + " from " + prepared, e);
        }
    }

    /** Removes a prepared directory, e.g. after a failed unpack. */
    public void discard(Path prepared) {
        Path unique = preparedRoot(prepared);
        try {
            dev.hako.sys.FileTrees.delete(unique);
        } catch (IOException e) {
            throw failure("cannot delete " + unique, e);
        }
    }

    /**
     * Deletes a committed layer and its links; a missing one is fine. It is renamed out to
     * {@code tmp/} first, so a crash halfway through deleting never leaves a partial layer under
     * {@code layers/} (and a link left dangling is removed at start-up).
     */
    public void remove(Digest chainId) {
        Path dir = layers.resolve(chainId.hex());
        if (!Files.exists(dir, NOFOLLOW_LINKS)) {
            return;
        }
        try {
            removeLinks(chainId.hex());
            Path doomed = Files.createTempDirectory(tmp, "remove-");
            try {
                Files.move(dir, doomed.resolve("layer"), StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
                // removed concurrently
            }
            dev.hako.sys.FileTrees.delete(doomed);
        } catch (IOException e) {
            throw failure("cannot remove layer " + chainId + " (" + dir + ")", e);
        }
    }

    /** The chain IDs of every committed layer (entries that are not chain IDs are left alone). */
    public java.util.List<Digest> list() {
        java.util.List<Digest> out = new java.util.ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(layers)) {
            for (Path p : stream) {
                try {
                    out.add(new Digest("sha256", p.getFileName().toString()));
                } catch (IllegalArgumentException notALayer) {
                    // not ours
                }
            }
        } catch (IOException e) {
            throw failure("cannot list " + layers, e);
        }
        return out;
    }

    /** Deletes everything under {@code tmp/}: unpacks and removals a previous daemon did not finish. */
    public void cleanupTemp() {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(tmp)) {
            for (Path p : stream) {
                dev.hako.sys.FileTrees.delete(p);
            }
        } catch (IOException e) {
            throw failure("cannot clean up " + tmp, e);
        }
    }

    /** Apparent size and inode count of everything under {@code <root>/snapshots}; walks the tree, so cache it. */
    public Usage usage() {
        try {
            return Trees.usage(base);
        } catch (IOException e) {
            throw failure("cannot measure " + base, e);
        }
    }

    /** Bytes (apparent sizes, hard-linked files once) and inodes used by the snapshots. */
    public record Usage(long bytes, long inodes) {}

    private Path preparedRoot(Path prepared) {
        Path p = prepared.toAbsolutePath().normalize();
        Path unique = p.getParent();
        if (!p.getFileName().toString().equals(FS) || unique == null || !tmp.equals(unique.getParent())) {
            throw new IllegalArgumentException(prepared + " is not a directory from prepare() of " + base);
        }
        return unique;
    }

    private static HakoException failure(String message, IOException e) {
        return HakoException.internal(message + ": " + e.getMessage(), e);
    }
}
