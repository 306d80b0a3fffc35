package dev.hako.monitor;

import dev.hako.error.HakoException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * The exit status conmon writes: to {@code <state>/exits/<id>} and to {@code exit} in the persist
 * directory (the bundle), with an {@code oom} file there when the kernel OOM-killed in the container's cgroup.
 */
final class ExitFiles {
    private final ConmonDirs dirs;
    private final ContainerLinks links;

    ExitFiles(ConmonDirs dirs, ContainerLinks links) {
        this.dirs = dirs;
        this.links = links;
    }

    /** The exit file conmon wrote for the container, if it has exited: code and time (file mtime). */
    Optional<Conmon.Exit> exit(String id) {
        return exit(id, links.bundleOf(id));
    }

    /** As {@link #exit(String)}, with the bundle (persist directory) given: also finds {@code <bundle>/exit}. */
    Optional<Conmon.Exit> exit(String id, Path bundle) {
        Path file = dirs.exits().resolve(id);
        if (!Files.isRegularFile(file) && bundle != null) {
            file = bundle.resolve("exit");
        }
        String text;
        Instant at;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8).strip();
            at = Files.getLastModifiedTime(file).toInstant();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw HakoException.internal("cannot read exit file " + file + ": " + e.getMessage(), e);
        }
        boolean oom = bundle != null && Files.exists(bundle.resolve("oom"));
        return Optional.of(new Conmon.Exit(code(text), at, oom));
    }

    /** The status an exit file holds (stripped), -1 when it is no number. */
    static int code(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
