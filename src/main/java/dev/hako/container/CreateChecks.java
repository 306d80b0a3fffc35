package dev.hako.container;

import dev.hako.config.HandlerConfig;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.error.HakoException;
import dev.hako.oci.RuntimeHandlers;
import dev.hako.pod.Pod;
import dev.hako.store.ContainerRow;
import java.util.List;

/** The checks of a CreateContainer request that refuse it before anything is stored or made. */
final class CreateChecks {
    private CreateChecks() {}

    /** FAILED_PRECONDITION unless the pod is ready. */
    static void requireReady(Pod pod) {
        if (pod.state() != Pod.State.READY) {
            throw HakoException.failedPrecondition("pod sandbox " + pod.id() + " is not ready; cannot create containers in it");
        }
    }

    /** The container's name; INVALID_ARGUMENT (config.metadata.name) when empty. */
    static String requireName(ContainerConfig cfg) {
        String name = cfg.getMetadata().getName();
        if (name.isEmpty()) {
            throw HakoException.invalidArgument("config.metadata.name", "a container needs a name");
        }
        return name;
    }

    /** The image as the request names it; INVALID_ARGUMENT (config.image.image) when empty. */
    static String requireImage(ContainerConfig cfg) {
        String imageText = cfg.getImage().getImage();
        if (imageText.isEmpty()) {
            throw HakoException.invalidArgument("config.image.image", "no image given");
        }
        return imageText;
    }

    /** ALREADY_EXISTS when one of {@code rows} has the name and attempt of {@code cfg} in {@code pod}. */
    static void requireNewName(List<ContainerRow> rows, Pod pod, ContainerConfig cfg) {
        String name = cfg.getMetadata().getName();
        for (ContainerRow r : rows) {
            if (r.podId().equals(pod.id()) && r.name().equals(name) && r.attempt() == cfg.getMetadata().getAttempt()) {
                throw HakoException.alreadyExists("container " + name + " (attempt " + cfg.getMetadata().getAttempt()
                        + ") already exists in pod " + pod.id() + " as " + r.id());
            }
        }
    }

    /** INVALID_ARGUMENT naming the mount when a recursive read-only one asks a handler without rro. */
    static void requireMountSupport(ContainerConfig cfg, HandlerConfig handler, RuntimeHandlers handlers) {
        for (int i = 0; i < cfg.getMountsCount(); i++) {
            if (cfg.getMounts(i).getRecursiveReadOnly() && handlers != null
                    && !handlers.features(handler.name()).recursiveReadOnlyMounts()) {
                throw HakoException.invalidArgument("config.mounts[" + i + "].recursive_read_only", "runtime handler \""
                        + handler.name() + "\" (" + handler.path() + ") does not support recursive read-only mounts"
                        + " (no rro in its features)");
            }
        }
    }
}
