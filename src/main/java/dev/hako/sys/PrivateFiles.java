package dev.hako.sys;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Directories (0700) and files (0600) only root may use: container environments (Kubernetes
 * Secrets) and writable layers live in them. Each is created with its final mode, so no moment
 * exists in which another user could open it, and then set to exactly that mode, whatever the
 * daemon's umask (a umask only ever removes bits, so the first mode is never wider than the last).
 */
public final class PrivateFiles {
    private PrivateFiles() {}

    public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_ATTR =
            PosixFilePermissions.asFileAttribute(DIRECTORY);
    private static final FileAttribute<Set<PosixFilePermission>> FILE_ATTR = PosixFilePermissions.asFileAttribute(FILE);

    /** Creates {@code dir} 0700; its parent must exist; an existing entry is FileAlreadyExistsException. */
    public static Path createDirectory(Path dir) throws IOException {
        Files.createDirectory(dir, DIRECTORY_ATTR);
        Files.setPosixFilePermissions(dir, DIRECTORY);
        return dir;
    }

    /**
     * Makes {@code dir} a 0700 directory: created (with missing parents, which get the default mode)
     * or, if it exists already (left by an older Hako), tightened. A symlink there is refused.
     */
    public static Path directory(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            return createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir, NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(dir.toString(), null, "exists and is not a directory");
            }
            Files.setPosixFilePermissions(dir, DIRECTORY);
            return dir;
        }
    }

    /** Writes {@code text} to a 0600 file; an existing file is made 0600 before it gets the new content. */
    public static void writeString(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void write(Path file, byte[] content) throws IOException {
        Files.write(file(file), content, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE,
                NOFOLLOW_LINKS);
    }

    /** Creates an empty 0600 file if nothing is there; an existing file is made 0600. Returns {@code file}. */
    public static Path file(Path file) throws IOException {
        try {
            Files.createFile(file, FILE_ATTR);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isRegularFile(file, NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(file.toString(), null, "exists and is not a regular file");
            }
        }
        Files.setPosixFilePermissions(file, FILE);
        return file;
    }

    /** Makes an existing regular file 0600; nothing there is fine. */
    public static void restrictExisting(Path file) throws IOException {
        if (Files.isRegularFile(file, NOFOLLOW_LINKS)) {
            Files.setPosixFilePermissions(file, FILE);
        }
    }
}
