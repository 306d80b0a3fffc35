package dev.hako.container;

import dev.hako.monitor.ContainerRuntime;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.store.ContainerRow;
import java.util.Optional;

/** The runtime a container's runtime object is deleted with, even after its handler left the configuration. */
final class RemovalRuntimes {
    private RemovalRuntimes() {}

    /**
     * The runtime to delete a container with: its handler, or, when that is no longer configured, the
     * runtime binary and root recorded when it was created; null when neither is known.
     */
    static ContainerRuntime of(ContainerRuntimes runtimes, String handler, ContainerRow row) {
        Optional<ContainerRuntime> configured = runtimes.find(handler);
        if (configured.isPresent()) {
            return configured.get();
        }
        return ContainerRecords.recordedHandler(handler, row).map(runtimes::recorded).orElse(null);
    }
}
