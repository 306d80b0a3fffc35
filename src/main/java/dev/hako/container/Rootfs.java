package dev.hako.container;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.hako.error.HakoException;
import dev.hako.sys.FileCalls;
import dev.hako.sys.MountCalls;
import dev.hako.sys.MountTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A container's root filesystem: an overlay of the image's unpacked layers (read-only, shared) and
 * the container's own upper and work directories, mounted with mount(2) directly.
 *
 * <p>The layers come as short links in one directory (the snapshot store's {@code l/}), and the
 * mount runs with that directory as its working directory, so each layer costs its link's name and
 * a colon in the options, which mount(2) limits to one page: with the default root about 430 layers
 * fit, and overlayfs itself stacks at most 500. Absolute paths (~100 bytes each) stopped at ~40.
 *
 * <p>Modes: {@code <root>/containers} and {@code <root>/containers/<id>} are 0700 and so is the
 * work directory: only root (runc, the kernel) goes through them, and a host user must not reach a
 * file a container made setuid in its upper layer. The upper directory is the container's {@code /},
 * so it gets the mode and owner of the image's top layer root (what {@code /} is without an upper),
 * and the mount point is 0700 (its mode is hidden by the mount).
 */
final class Rootfs {
    private Rootfs() {}

    /** mount(2) copies one page of options (4096 bytes on every architecture Hako runs on), NUL included. */
    static final int OPTIONS_MAX = 4095;
    /** overlayfs's limit on the number of lower layers (OVL_MAX_STACK). */
    static final int LOWERS_MAX = 500;

    /**
     * Mounts the overlay at {@code target}; {@code lowers} are the image's layers, bottom first (if
     * they are all in one directory they are named relative to it). Too many layers are refused with
     * FAILED_PRECONDITION before anything is made.
     */
    static void mount(List<Path> lowers, Path upper, Path work, Path target) throws IOException {
        Path dir = commonParent(lowers);
        List<String> names = new ArrayList<>();
        for (Path l : lowers) {
            names.add(dir != null ? l.getFileName().toString() : l.toString());
        }
        String options = options(names, upper, work);
        Path layer = upper.getParent();
        privateDir(layer.getParent());
        privateDir(layer);
        upperDir(upper, lowers.isEmpty() ? null : lowers.getLast());
        privateDir(work);
        if (!Files.isDirectory(target, NOFOLLOW_LINKS)) {
            Files.createDirectory(target, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        if (dir != null) {
            MountCalls.mountIn(dir, "overlay", target, "overlay", 0, options);
        } else {
            MountCalls.mount("overlay", target, "overlay", 0, options);
        }
    }

    /**
     * The overlay's options for {@code lowers} (bottom first, as they will be written), checked
     * against the kernel's limits: the count overlayfs stacks and the one page mount(2) reads.
     */
    static String options(List<String> lowers, Path upper, Path work) {
        if (lowers.size() > LOWERS_MAX) {
            throw HakoException.failedPrecondition("the image has " + lowers.size() + " layers; overlayfs stacks at most "
                    + LOWERS_MAX);
        }
        // overlayfs lists lowerdirs top first
        String options = "lowerdir=" + String.join(":", lowers.reversed()) + ",upperdir=" + upper + ",workdir=" + work;
        int bytes = options.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > OPTIONS_MAX) {
            throw HakoException.failedPrecondition("the image has " + lowers.size() + " layers; their overlay mount options"
                    + " take " + bytes + " bytes and mount(2) takes at most " + OPTIONS_MAX);
        }
        return options;
    }

    /** The directory every one of {@code paths} is in, or null when they are not all in one. */
    private static Path commonParent(List<Path> paths) {
        Path dir = null;
        for (Path p : paths) {
            Path parent = p.getParent();
            if (parent == null || (dir != null && !dir.equals(parent))) {
                return null;
            }
            dir = parent;
        }
        return dir;
    }

    /** Creates {@code dir} 0700 whatever the umask, or makes an existing one 0700. */
    private static void privateDir(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir, NOFOLLOW_LINKS)) {
                throw e;
            }
        }
        Files.setAttribute(dir, "unix:mode", 0700, NOFOLLOW_LINKS);
    }

    /** The upper directory, owned and moded like the root of the top layer {@code top} (0755 root without one). */
    private static void upperDir(Path upper, Path top) throws IOException {
        int mode = 0755;
        int uid = 0;
        int gid = 0;
        if (top != null) {
            Map<String, Object> a = Files.readAttributes(top, "unix:mode,uid,gid"); // through the short link
            mode = (Integer) a.get("mode") & 07777;
            uid = (Integer) a.get("uid");
            gid = (Integer) a.get("gid");
        }
        try {
            Files.createDirectory(upper);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(upper, NOFOLLOW_LINKS)) {
                throw e;
            }
        }
        FileCalls.lchown(upper, uid, gid);
        Files.setAttribute(upper, "unix:mode", mode, NOFOLLOW_LINKS); // after chown, which clears set-id bits
    }

    /** Unmounts the rootfs if it is mounted (idempotent: restarts and retries come through here twice). */
    static void unmount(Path target) {
        try {
            if (isMounted(target)) {
                MountCalls.umount(target, MountCalls.UMOUNT_NOFOLLOW);
            }
        } catch (IOException e) {
            throw HakoException.internal("cannot unmount " + target + ": " + e.getMessage(), e);
        }
    }

    static boolean isMounted(Path target) throws IOException {
        return MountTable.read().isMountPoint(target);
    }
}
