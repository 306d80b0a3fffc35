package dev.hako.snapshot;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.hako.error.HakoException;
import dev.hako.image.Digest;
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
 * {@code layers/<hex>/fs} is what overlayfs uses as a lowerdir; {@code tmp/} holds layers being
 * unpacked or deleted. A layer appears under {@code layers/} only by an atomic rename of a complete
 * directory and leaves it the same way, so after a crash {@code layers/} holds only whole layers and
 * {@link #cleanupTemp} sweeps the rest.
 *
 * <p>I/O failures throw {@link HakoException} (INTERNAL) naming the path.
 */
public final class SnapshotStore {
    private static final String FS = "fs";

    private final Path base;
    private final Path layers;
    private final Path tmp;

    /** Uses {@code <root>/snapshots/}, creating it (0700) and its subdirectories. */
    public SnapshotStore(Path root) {
        this.base = root.toAbsolutePath().normalize().resolve("snapshots");
        this.layers = base.resolve("layers");
        this.tmp = base.resolve("tmp");
        try {
            if (!Files.isDirectory(base)) {
                Files.createDirectories(base, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Files.createDirectories(layers);
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw failure("cannot create the snapshot directories under " + base, e);
        }
    }

    public boolean exists(Digest chainId) {
        return Files.isDirectory(layerDir(chainId), NOFOLLOW_LINKS);
    }

    /** {@code <root>/snapshots/layers/<hex>/fs}: the lowerdir of the layer with this chain ID. */
    public Path layerDir(Digest chainId) {
        return layers.resolve(chainId.hex()).resolve(FS);
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
     * Deletes a committed layer; a missing one is fine. It is renamed out to {@code tmp/} first, so a
     * crash halfway through deleting never leaves a partial layer under {@code layers/}.
     */
    public void remove(Digest chainId) {
        Path dir = layers.resolve(chainId.hex());
        if (!Files.exists(dir, NOFOLLOW_LINKS)) {
            return;
        }
        try {
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
