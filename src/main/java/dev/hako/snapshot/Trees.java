package dev.hako.snapshot;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Walks over unpacked layers, which hold anything an image author put there: never follow a symlink. */
final class Trees {
    private Trees() {}

    private static final Set<PosixFilePermission> OWNER_ALL =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;

    /**
     * Apparent bytes and inodes under {@code root}, root included; a hard-linked file counts once.
     * Entries that vanish during the walk (a concurrent remove) are skipped.
     */
    static SnapshotStore.Usage usage(Path root) throws IOException {
        long bytes = 0;
        long inodes = 0;
        Set<List<Object>> linked = new HashSet<>(); // (dev, ino) of files with several names; rare, so small
        Deque<Path> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            Path path = pending.pop();
            Map<String, Object> a;
            try {
                a = Files.readAttributes(path, "unix:mode,size,nlink,dev,ino", NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                continue;
            }
            boolean dir = (((Integer) a.get("mode")) & S_IFMT) == S_IFDIR;
            if (!dir && (Integer) a.get("nlink") > 1 && !linked.add(List.of(a.get("dev"), a.get("ino")))) {
                continue;
            }
            inodes++;
            bytes += (Long) a.get("size");
            if (dir) {
                try (DirectoryStream<Path> stream = Files.newDirectoryStream(path)) {
                    stream.forEach(pending::push);
                } catch (NoSuchFileException e) {
                    // removed while we walked
                }
            }
        }
        return new SnapshotStore.Usage(bytes, inodes);
    }
}
