package dev.hako.cri;

import dev.hako.container.Container;
import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.PodSandboxState;
import dev.hako.pod.Pod;

/** Hako's pod and container states as the CRI names them, for the status and list RPCs and their filters. */
final class States {
    private States() {}

    static PodSandboxState of(Pod p) {
        return p.state() == Pod.State.READY ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
    }

    static ContainerState of(Container c) {
        return switch (c.state()) {
            case CREATED -> ContainerState.CONTAINER_CREATED;
            case RUNNING -> ContainerState.CONTAINER_RUNNING;
            case EXITED -> ContainerState.CONTAINER_EXITED;
            case UNKNOWN -> ContainerState.CONTAINER_UNKNOWN;
        };
    }
}
