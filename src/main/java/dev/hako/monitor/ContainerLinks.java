package dev.hako.monitor;

import dev.hako.log.Log;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * What a container leaves in the state directory: Hako's link {@code bundles/<id>} to its bundle (where
 * conmon's {@code exit} and {@code oom} files are found), conmon's attach-socket link and its exit file.
 */
final class ContainerLinks {
    private static final Log LOG = Log.of("conmon");

    private final ConmonDirs dirs;

    ContainerLinks(ConmonDirs dirs) {
        this.dirs = dirs;
    }

    /** Records {@code bundle} as the container's, replacing any earlier link. */
    void link(String id, Path bundle) throws IOException {
        Path link = dirs.bundles().resolve(id);
        Files.deleteIfExists(link);
        try {
            Files.createSymbolicLink(link, bundle);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, bundle);
        }
    }

    /** The bundle recorded for a container by {@link #link}, or null. */
    Path bundleOf(String id) {
        Path link = dirs.bundles().resolve(id);
        try {
            return Files.readSymbolicLink(link);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** Forgets a removed container: its exit file, bundle link and attach-socket link. */
    void forget(String id) {
        for (Path p : List.of(dirs.exits().resolve(id), dirs.bundles().resolve(id), dirs.attach().resolve(id))) {
            try {
                if (Files.isSymbolicLink(p) || Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                LOG.debug("cannot remove", "path", p, "error", e.getMessage());
            }
        }
        forgetAttachLinksTo(id);
    }

    /**
     * conmon names its attach link after the container, but shortens the name when the socket path
     * would not fit a unix socket address: any link in the attach directory that leads to this
     * container's bundle link goes too.
     */
    private void forgetAttachLinksTo(String id) {
        Path attachDir = dirs.attach();
        if (!Files.isDirectory(attachDir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> links = Files.newDirectoryStream(attachDir, Files::isSymbolicLink)) {
            for (Path link : links) {
                Path target = Files.readSymbolicLink(link);
                if (target.getFileName() != null && target.getFileName().toString().equals(id)) {
                    Files.deleteIfExists(link);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot clean attach links", "path", attachDir, "container", id, "error", e.getMessage());
        }
    }
}
