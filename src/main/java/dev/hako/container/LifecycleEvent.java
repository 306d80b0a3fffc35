package dev.hako.container;

import dev.hako.pod.Pod;
import java.time.Instant;
import java.util.List;

/**
 * A container or pod sandbox was created, started, stopped or deleted. For a sandbox,
 * {@code containerId} is the pod's id, as the CRI's GetContainerEvents has it. {@code pod} and
 * {@code containers} are the pod and its containers as stored right after the change ({@code pod}
 * is null when it could not be read; a deleted pod is reported as it was last, not ready).
 */
public record LifecycleEvent(Kind kind, String containerId, String podId, Instant at, Pod pod,
                             List<Container> containers) {
    public LifecycleEvent {
        containers = List.copyOf(containers);
    }

    public enum Kind { CREATED, STARTED, STOPPED, DELETED }

    /** Whether the event is the pod sandbox's own rather than one of its containers'. */
    public boolean ofSandbox() {
        return containerId.equals(podId);
    }
}
