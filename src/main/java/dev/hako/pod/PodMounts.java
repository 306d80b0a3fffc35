package dev.hako.pod;

import dev.hako.log.Log;
import dev.hako.sys.Errno;
import dev.hako.sys.ErrnoException;
import dev.hako.sys.FileTrees;
import dev.hako.sys.MountCalls;
import dev.hako.sys.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Giving a pod's node resources back: unmounting what it mounted under its directory, then deleting
 * the directory. Both are safe to repeat, so every path that undoes a pod (a failed create, remove,
 * recovery) can call them.
 */
final class PodMounts {
    private static final Log LOG = Log.of("pod");

    private PodMounts() {}

    /**
     * Unmounts everything at or below {@code dir}, deepest first: the pins, the shm tmpfs, the private
     * ns mount. Nothing mounted is not an error, so this is safe to repeat.
     */
    static void release(Path dir) throws IOException {
        for (int round = 0; round < 8; round++) {
            List<MountTable.Entry> under = MountTable.read().under(dir);
            if (under.isEmpty()) {
                return;
            }
            for (MountTable.Entry e : under) {
                try {
                    MountCalls.umount(e.mountPoint(), MountCalls.UMOUNT_NOFOLLOW);
                } catch (ErrnoException x) {
                    if (x.errno() == Errno.EBUSY) {
                        // something still holds it (a file open on the shm tmpfs): detach it now, it goes when released
                        MountCalls.umount(e.mountPoint(), MountCalls.UMOUNT_NOFOLLOW | MountCalls.MNT_DETACH);
                        LOG.warn("mount was busy and is detached lazily; it goes when the last process using it closes it", "path", e.mountPoint());
                    } else if (x.errno() != Errno.EINVAL && x.errno() != Errno.ENOENT) {
                        throw x;
                    }
                }
            }
        }
        List<MountTable.Entry> left = MountTable.read().under(dir);
        if (!left.isEmpty()) {
            throw new IOException("mounts under " + dir + " remain after unmounting: "
                    + left.stream().map(e -> e.mountPoint().toString()).toList());
        }
    }

    /** Deletes a pod directory, which must have nothing mounted in it any more; absent is fine. */
    static void deleteDirectory(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!MountTable.read().under(dir).isEmpty()) {
            throw new IOException(dir + " still has mounts in it; not deleting");
        }
        FileTrees.delete(dir);
    }

    /** {@link #release}, then {@link #deleteDirectory}. */
    static void releaseAndDelete(Path dir) throws IOException {
        release(dir);
        deleteDirectory(dir);
    }
}
