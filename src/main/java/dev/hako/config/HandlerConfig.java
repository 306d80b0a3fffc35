package dev.hako.config;

import java.nio.file.Path;
import java.util.List;

/**
 * One {@code [runtime.handlers.NAME]} table: an OCI runtime a RuntimeClass can select by name.
 *
 * @param path the runtime binary (runc, crun, runsc)
 * @param root the runtime's {@code --root} state directory
 * @param args extra global arguments placed before the runtime's subcommand
 */
public record HandlerConfig(String name, Path path, Path root, List<String> args) {
    public HandlerConfig {
        args = List.copyOf(args);
    }
}
