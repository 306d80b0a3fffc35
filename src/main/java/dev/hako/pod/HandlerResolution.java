package dev.hako.pod;

import dev.hako.config.HandlerConfig;
import dev.hako.error.HakoException;
import dev.hako.monitor.ContainerRuntime;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.oci.RuntimeHandlers;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;

/** Which configured runtime handler a new pod runs with, checked before anything is made for it. */
final class HandlerResolution {
    private final RuntimeHandlers handlers;
    private final ContainerRuntimes runtimes;

    HandlerResolution(RuntimeHandlers handlers, ContainerRuntimes runtimes) {
        this.handlers = handlers;
        this.runtimes = runtimes;
    }

    /**
     * The handler a pod runs with: the default for {@code ""}; an unknown name is INVALID_ARGUMENT
     * listing the configured handlers (the kubelet shows it as FailedCreatePodSandBox); a handler
     * whose binary has gone since start-up is FAILED_PRECONDITION.
     */
    String resolve(String requested) {
        String name = requested.isEmpty() ? handlers.defaultName() : requested;
        Optional<HandlerConfig> found = runtimes.find(name).map(ContainerRuntime::handler);
        if (found.isPresent()) {
            HandlerConfig h = found.get();
            if (!Files.isRegularFile(h.path()) || !Files.isExecutable(h.path())) {
                throw HakoException.failedPrecondition("runtime handler \"" + name + "\" runs " + h.path()
                        + ", which is missing or not executable");
            }
            return name;
        }
        List<String> known = handlers.all().stream().map(HandlerConfig::name).toList();
        throw HakoException.invalidArgument("runtime_handler", "unknown runtime handler \"" + requested
                + "\": no [runtime.handlers." + requested + "] on this node (configured handlers: "
                + String.join(", ", known) + ")");
    }
}
