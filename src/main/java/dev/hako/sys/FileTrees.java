package dev.hako.sys;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Deleting trees that hold whatever an image or a container put there (layers, writable layers,
 * bundles): never follow a symlink, never open a device or fifo, get into directories made 0000.
 */
public final class FileTrees {
    private FileTrees() {}

    private static final Set<PosixFilePermission> OWNER_ALL =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    /**
     * Deletes {@code path} and everything below it; a missing path is fine. Symlinks are removed, not
     * followed; devices and fifos are just unlinked, never opened; directories images ship as 0555 or
     * 0000 are made accessible first (root needs no such help, anyone else does).
     */
    public static void delete(Path path) throws IOException {
        PosixFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, PosixFileAttributes.class, NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (attrs.isDirectory()) {
            if (!attrs.permissions().containsAll(OWNER_ALL)) {
                Files.setPosixFilePermissions(path, OWNER_ALL); // a real directory, checked above
            }
            // list first, recurse after: one open directory at a time, however deep the tree
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(path)) {
                stream.forEach(children::add);
            }
            for (Path child : children) {
                delete(child);
            }
        }
        Files.deleteIfExists(path);
    }

}
