package dev.hako.monitor;

import dev.hako.error.HakoException;
import dev.hako.log.Log;
import dev.hako.sys.PrivateFiles;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/** Watches conmon's exit directory for containers that exit, until {@link #close()}. */
final class ExitWatch implements AutoCloseable {
    private static final Log LOG = Log.of("conmon");
    /** g_file_set_contents writes {@code <name>.XXXXXX} and renames it over {@code <name>}. */
    private static final Pattern TEMP_NAME = Pattern.compile(".*\\.[A-Za-z0-9]{6}$");

    private final Path exitDir;
    private final List<WatchService> watchers = new CopyOnWriteArrayList<>();

    ExitWatch(Path exitDir) {
        this.exitDir = exitDir;
    }

    /** Whether {@code name} looks like conmon's temp file rather than a container's exit file. */
    static boolean isTempName(String name) {
        return TEMP_NAME.matcher(name).matches();
    }

    /**
     * Watches the exit directory (inotify, through a WatchService) and calls {@code onExit} with
     * the container id of each exit file that appears, on a daemon thread (ids ending in a dot and six
     * letters or digits look like conmon's temp files and are not reported). After an event overflow
     * every file present is reported again: the listener must tolerate repeats.
     */
    void watch(Consumer<String> onExit) {
        WatchService ws;
        try {
            PrivateFiles.directory(exitDir);
            ws = exitDir.getFileSystem().newWatchService();
            exitDir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException e) {
            throw HakoException.internal("cannot watch " + exitDir + ": " + e.getMessage(), e);
        }
        watchers.add(ws);
        Thread.ofPlatform().daemon().name("hako-exit-watch").start(() -> {
            try {
                while (true) {
                    WatchKey key = ws.take();
                    for (WatchEvent<?> ev : key.pollEvents()) {
                        if (ev.kind() == StandardWatchEventKinds.OVERFLOW) {
                            rescan(onExit);
                            continue;
                        }
                        String name = ev.context().toString();
                        if (isTempName(name)) {
                            continue; // conmon's temp file: the rename to the id follows
                        }
                        if (Files.isRegularFile(exitDir.resolve(name))) {
                            deliver(onExit, name);
                        }
                    }
                    if (!key.reset()) {
                        return;
                    }
                }
            } catch (InterruptedException | ClosedWatchServiceException e) {
                // closed
            }
        });
    }

    private void rescan(Consumer<String> onExit) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(exitDir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (Files.isRegularFile(p) && !isTempName(name)) {
                    deliver(onExit, name);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot rescan exit files; exits are still read when a container's status is asked", "path", exitDir,
                    "error", Log.cause(e));
        }
    }

    private static void deliver(Consumer<String> onExit, String id) {
        try {
            onExit.accept(id);
        } catch (RuntimeException e) {
            LOG.warn("a container exit was not recorded (a Hako bug); its exit file stays and is read again", "container", id,
                    "error", Log.cause(e));
        }
    }

    /** Stops the watchers. Containers and their monitors keep running. */
    @Override
    public void close() {
        for (WatchService ws : watchers) {
            try {
                ws.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        watchers.clear();
    }
}
