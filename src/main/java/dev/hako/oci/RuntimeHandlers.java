package dev.hako.oci;

import dev.hako.Readiness;
import dev.hako.config.ConfigTree;
import dev.hako.config.HandlerConfig;
import dev.hako.config.RuntimeSettings;
import java.nio.file.Files;
import java.util.List;

/**
 * The OCI runtimes a pod can be run with, by RuntimeClass handler name. The empty name is the
 * kubelet's way of asking for the default handler.
 */
public final class RuntimeHandlers {
    private final RuntimeSettings settings;

    public RuntimeHandlers(RuntimeSettings settings) {
        this.settings = settings;
    }

    public String defaultName() {
        return settings.defaultHandler();
    }

    /** Every configured handler, the default first. */
    public List<HandlerConfig> all() {
        return ConfigTree.sortedHandlers(settings);
    }

    /**
     * Optional runtime capabilities the kubelet gates features on. Hako reports none until it can
     * honour them end to end (recursive read-only mounts and user namespaces need newer runtimes).
     */
    public Features features(String handler) {
        return Features.NONE;
    }

    /** Ready while the default handler's binary is still there to run containers with. */
    public Readiness readiness() {
        HandlerConfig def = settings.defaultHandlerConfig();
        if (Files.isExecutable(def.path())) {
            return Readiness.READY;
        }
        return Readiness.notReady("RuntimeBinaryMissing",
                "the default handler " + def.name() + " runs " + def.path() + ", which is missing or not executable");
    }

    public record Features(boolean recursiveReadOnlyMounts, boolean userNamespaces) {
        public static final Features NONE = new Features(false, false);
    }
}
