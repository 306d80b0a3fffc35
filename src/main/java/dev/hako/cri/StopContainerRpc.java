package dev.hako.cri;

import dev.hako.container.ContainerService;
import dev.hako.cri.v1.StopContainerRequest;
import dev.hako.cri.v1.StopContainerResponse;

/** StopContainer: the stop signal, then SIGKILL once the request's timeout has passed. */
final class StopContainerRpc {
    private final ContainerService containers;

    StopContainerRpc(ContainerService containers) {
        this.containers = containers;
    }

    StopContainerResponse stopContainer(StopContainerRequest r) {
        containers.stop(Requests.containerId(r.getContainerId()), r.getTimeout());
        return StopContainerResponse.getDefaultInstance();
    }
}
