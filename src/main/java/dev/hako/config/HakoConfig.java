package dev.hako.config;

import dev.hako.log.Level;
import java.nio.file.Path;

/**
 * The effective configuration: {@code /etc/hako/hako.toml} (or {@code --config}) over the built-in
 * defaults. Immutable; the daemon reads it once at start-up.
 *
 * @param socket where the CRI gRPC server listens
 * @param root   persistent data: metadata DB, content store, snapshots
 * @param state  volatile per-boot data: exit files, namespace pins, the OCI runtimes' state
 */
public record HakoConfig(
        Path socket,
        Path root,
        Path state,
        Level logLevel,
        RuntimeSettings runtime,
        ImageSettings image,
        NetworkSettings network,
        StreamSettings stream,
        MetricsSettings metrics,
        TracingSettings tracing) {

    public static final Path DEFAULT_FILE = Path.of("/etc/hako/hako.toml");

    /** The metadata database inside {@link #root}. */
    public Path databaseFile() {
        return root.resolve("hako.db");
    }

    public HakoConfig withLogLevel(Level level) {
        return new HakoConfig(socket, root, state, level, runtime, image, network, stream, metrics, tracing);
    }
}
