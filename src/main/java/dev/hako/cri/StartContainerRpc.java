package dev.hako.cri;

import dev.hako.container.ContainerService;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.cri.v1.StartContainerResponse;

/** StartContainer: starts a created container's process. */
final class StartContainerRpc {
    private final ContainerService containers;

    StartContainerRpc(ContainerService containers) {
        this.containers = containers;
    }

    StartContainerResponse startContainer(StartContainerRequest r) {
        containers.start(Requests.containerId(r.getContainerId()));
        return StartContainerResponse.getDefaultInstance();
    }
}
