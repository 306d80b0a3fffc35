package dev.hako.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code [runtime]} table.
 *
 * @param handlers every configured OCI runtime handler by name, in file order
 */
public record RuntimeSettings(
        String defaultHandler,
        CgroupDriver cgroupDriver,
        Path conmon,
        String pauseImage,
        Map<String, HandlerConfig> handlers) {

    public HandlerConfig defaultHandlerConfig() {
        return handlers.get(defaultHandler);
    }
}
