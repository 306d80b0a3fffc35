package dev.hako.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A path's own mode (links not followed), as the file-mode assertions of the store and daemon tests read it. */
public final class Modes {
    private Modes() {}

    /** Permission and set-id bits, e.g. {@code 0700}. */
    public static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    /** The permissions as ls prints them, e.g. {@code rwx------}. */
    public static String permissions(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }
}
