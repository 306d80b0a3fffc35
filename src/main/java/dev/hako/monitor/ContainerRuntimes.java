package dev.hako.monitor;

import dev.hako.config.CgroupDriver;
import dev.hako.config.HandlerConfig;
import dev.hako.config.RuntimeSettings;
import dev.hako.error.HakoException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One {@link ContainerRuntime} per configured handler, built once at start-up around the daemon's one
 * {@link Conmon}; the one place a handler's name is looked up.
 */
public final class ContainerRuntimes {
    private final Conmon conmon;
    private final boolean systemdCgroup;
    private final Map<String, ContainerRuntime> byName;

    public ContainerRuntimes(RuntimeSettings settings, Conmon conmon) {
        this.conmon = conmon;
        this.systemdCgroup = settings.cgroupDriver() == CgroupDriver.SYSTEMD;
        Map<String, ContainerRuntime> built = new LinkedHashMap<>();
        settings.handlers().forEach((name, h) -> built.put(name, ContainerRuntime.of(h, conmon, systemdCgroup)));
        this.byName = Map.copyOf(built);
    }

    /** The monitor every runtime's containers run under. */
    public Conmon conmon() {
        return conmon;
    }

    /** The runtime of handler {@code name}, empty when no such handler is configured. */
    public Optional<ContainerRuntime> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The runtime of handler {@code name}, which pods or containers were created with; FAILED_PRECONDITION when it is gone. */
    public ContainerRuntime runtime(String name) {
        return find(name).orElseThrow(() ->
                HakoException.failedPrecondition("runtime handler \"" + name + "\" is no longer configured"));
    }

    /** A runtime for {@code handler} as recorded, for a handler that has left the configuration. */
    public ContainerRuntime recorded(HandlerConfig handler) {
        return ContainerRuntime.of(handler, conmon, systemdCgroup);
    }
}
