package dev.hako.container;

import dev.hako.error.HakoException;
import dev.hako.sys.MountCalls;
import dev.hako.sys.MountTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A container's root filesystem: an overlay of the image's unpacked layers (read-only, shared) and
 * the container's own upper and work directories, mounted with mount(2) directly.
 */
final class Rootfs {
    private Rootfs() {}

    /** Mounts the overlay at {@code target}; {@code lowers} are the image's layer directories, bottom first. */
    static void mount(List<Path> lowers, Path upper, Path work, Path target) throws IOException {
        Files.createDirectories(upper);
        Files.createDirectories(work);
        Files.createDirectories(target);
        // overlayfs lists lowerdirs top first
        String lower = lowers.reversed().stream().map(Path::toString).collect(Collectors.joining(":"));
        MountCalls.mount("overlay", target, "overlay", 0, "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work);
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
