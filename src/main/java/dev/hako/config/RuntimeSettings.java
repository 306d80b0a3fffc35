package dev.hako.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code [runtime]} table.
 *
 * @param infraCommand the infra container's process: a static host binary (copied into the infra
 *     container's tiny root file system) and its arguments; pods run one for sandbox runtimes (gVisor)
 *     and for a shared PID namespace
 * @param handlers every configured OCI runtime handler by name, in file order
 * @param podLogRoot the kubelet's root for pod logs: every pod's {@code log_directory} must lie inside it
 */
public record RuntimeSettings(
        String defaultHandler,
        CgroupDriver cgroupDriver,
        Path conmon,
        String pauseImage,
        java.util.List<String> infraCommand,
        Map<String, HandlerConfig> handlers,
        Path podLogRoot) {

    public RuntimeSettings {
        infraCommand = java.util.List.copyOf(infraCommand);
    }

    public HandlerConfig defaultHandlerConfig() {
        return handlers.get(defaultHandler);
    }
}
