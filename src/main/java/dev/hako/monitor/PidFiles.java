package dev.hako.monitor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The pid files conmon and the runtime write. */
final class PidFiles {
    private PidFiles() {}

    /** The pid in {@code file}, or -1 when it is missing or not (yet) a number. */
    static int read(Path file) {
        try {
            return Integer.parseInt(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
