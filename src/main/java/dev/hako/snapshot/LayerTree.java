package dev.hako.snapshot;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.hako.sys.FileCalls;
import dev.hako.sys.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tree one unpack builds under its root, and what is known about it: which paths are real
 * directories, and the directory modes and times still to apply. Every path it hands out has only
 * real directories above it, never a symlink.
 */
final class LayerTree {
    private final Path root;
    /**
     * Relative paths known to be real directories (never symlinks). Only this unpack writes into
     * the tree, so a path stays a directory until an entry replaces it, which forgets it and all
     * below: one set lookup instead of an lstat per path component per entry.
     */
    private final Set<String> dirs = new HashSet<>();
    /** Mode and times of directory entries, applied at the end: writing children changes a directory's mtime. */
    private final Map<String, EntryMetadata.Deferred> deferred = new LinkedHashMap<>();

    LayerTree(Path root) {
        this.root = root;
        dirs.add("");
    }

    Path root() {
        return root;
    }

    /**
     * The directory made of the first {@code count} components, created (0755, root) where missing.
     * Every existing component must be a real directory: a symlink is rejected wherever it points.
     */
    Path ensureDirs(List<String> parts, int count, String name) throws IOException {
        if (count == 0) {
            return root;
        }
        String full = EntryNames.join(parts, count);
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
                throw EntryNames.reject(name, "its parent \"" + prefix + "\" is a symbolic link");
            } else if (!a.isDirectory()) {
                throw EntryNames.reject(name, "its parent \"" + prefix + "\" is not a directory");
            }
            dirs.add(prefix);
        }
        return root.resolve(full);
    }

    /**
     * Checks that the first {@code count} components exist as real directories, creating nothing:
     * the directories above a hard link's target ({@code what}, for the errors of entry {@code name}).
     */
    void requireDirs(List<String> parts, int count, String name, String what) throws IOException {
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                prefix.append('/');
            }
            prefix.append(parts.get(i));
            String dir = prefix.toString();
            if (dirs.contains(dir)) {
                continue;
            }
            BasicFileAttributes a = lstat(root.resolve(dir));
            if (a != null && a.isSymbolicLink()) {
                throw EntryNames.reject(name, what + " goes through the symbolic link \"" + dir + "\"");
            }
            if (a == null || !a.isDirectory()) {
                throw EntryNames.reject(name, what + " does not exist in this layer");
            }
            dirs.add(dir);
        }
    }

    /** Records that {@code rel} is now a real directory. */
    void addDirectory(String rel) {
        dirs.add(rel);
    }

    /** Keeps a directory's mode and times for {@link #finish}. */
    void defer(String rel, EntryMetadata.Deferred meta) {
        deferred.put(rel, meta);
    }

    /** Removes what an earlier entry put at {@code path}, a whole tree if it is a directory. */
    void remove(Path path, String rel) throws IOException {
        BasicFileAttributes a = lstat(path);
        if (a == null) {
            return;
        }
        if (a.isDirectory()) {
            FileTrees.delete(path);
            String below = rel + "/";
            dirs.remove(rel);
            dirs.removeIf(d -> d.startsWith(below));
            deferred.remove(rel);
            deferred.keySet().removeIf(d -> d.startsWith(below));
        } else {
            Files.delete(path);
        }
    }

    /** Applies directory modes and times last, after their contents are written. */
    void finish() throws IOException {
        for (Map.Entry<String, EntryMetadata.Deferred> e : deferred.entrySet()) {
            Path path = e.getKey().isEmpty() ? root : root.resolve(e.getKey());
            EntryMetadata.Deferred m = e.getValue();
            Files.setAttribute(path, "unix:mode", m.mode());
            FileCalls.setTimes(path, m.accessed(), m.modified());
        }
    }

    static boolean isDirectory(Path path) throws IOException {
        BasicFileAttributes a = lstat(path);
        return a != null && a.isDirectory();
    }

    /** The attributes of {@code path} itself (a symlink is not followed), null if nothing is there. */
    static BasicFileAttributes lstat(Path path) throws IOException {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
