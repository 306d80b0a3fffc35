package dev.hako.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One {@code [runtime.handlers.NAME]} table: an OCI runtime a RuntimeClass can select by name.
 *
 * @param path the runtime binary (runc, crun, runsc)
 * @param root the runtime's {@code --root} state directory
 * @param args extra global arguments placed before the runtime's subcommand
 * @param type the handler type; only {@code "oci"} exists (room for a future VM type)
 * @param monitor the container monitor for this handler's containers (default {@code runtime.conmon})
 * @param privilegedWithoutHostDevices privileged containers of this handler do not get the host's devices
 * @param allowedAnnotations pod annotation keys, or prefixes ending in {@code *}, copied into the OCI
 *     specs of the pod's containers and infra container (where gVisor reads {@code dev.gvisor.*})
 * @param podInfra {@code "auto"} (an infra container only when the pod needs one: it shares a PID
 *     namespace, or the runtime is a sandbox runtime such as runsc) or {@code "always"}
 * @param createTimeout how long a container's {@code runtime create} may take before its monitor is
 *     killed and CreateContainer fails (CRI-O's {@code container_create_timeout}, 240 s by default)
 */
public record HandlerConfig(
        String name,
        Path path,
        Path root,
        List<String> args,
        String type,
        Path monitor,
        boolean privilegedWithoutHostDevices,
        List<String> allowedAnnotations,
        String podInfra,
        Duration createTimeout) {

    public static final String TYPE_OCI = "oci";
    public static final String POD_INFRA_AUTO = "auto";
    public static final String POD_INFRA_ALWAYS = "always";
    public static final Duration DEFAULT_CREATE_TIMEOUT = Duration.ofSeconds(240);

    public HandlerConfig {
        args = List.copyOf(args);
        allowedAnnotations = List.copyOf(allowedAnnotations);
        if (createTimeout == null || createTimeout.isNegative() || createTimeout.isZero()) {
            createTimeout = DEFAULT_CREATE_TIMEOUT;
        }
    }

    /** A handler with the default create timeout. */
    public HandlerConfig(String name, Path path, Path root, List<String> args, String type, Path monitor,
                         boolean privilegedWithoutHostDevices, List<String> allowedAnnotations, String podInfra) {
        this(name, path, root, args, type, monitor, privilegedWithoutHostDevices, allowedAnnotations, podInfra, null);
    }

    /** An OCI handler with every optional key at its default, monitored by {@code monitor}. */
    public HandlerConfig(String name, Path path, Path root, List<String> args, Path monitor) {
        this(name, path, root, args, TYPE_OCI, monitor, false, List.of(), POD_INFRA_AUTO);
    }

    /** An OCI handler with every optional key at its default and the default conmon. */
    public HandlerConfig(String name, Path path, Path root, List<String> args) {
        this(name, path, root, args, Path.of(ConfigLoader.DEFAULT_CONMON));
    }

    /**
     * Whether this runtime puts a pod's containers in one sandbox whose first container must outlive
     * the others (gVisor's runsc, recognised by its binary's name).
     */
    public boolean sandboxRuntime() {
        return path.getFileName() != null && path.getFileName().toString().startsWith("runsc");
    }

    /** Whether pods of this handler run an infra container, given whether the pod shares a PID namespace. */
    public boolean needsInfra(boolean sharedPid) {
        return podInfra.equals(POD_INFRA_ALWAYS) || sharedPid || sandboxRuntime();
    }

    /** Whether {@code key} (a pod or container annotation) may be passed into the OCI spec. */
    public boolean allowsAnnotation(String key) {
        for (String pattern : allowedAnnotations) {
            if (pattern.endsWith("*") ? key.startsWith(pattern.substring(0, pattern.length() - 1)) : key.equals(pattern)) {
                return true;
            }
        }
        return false;
    }
}
