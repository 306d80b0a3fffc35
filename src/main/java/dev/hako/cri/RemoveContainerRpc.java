package dev.hako.cri;

import dev.hako.container.ContainerService;
import dev.hako.cri.v1.RemoveContainerRequest;
import dev.hako.cri.v1.RemoveContainerResponse;

/** RemoveContainer: removes the container and everything it used; an unknown id is no error. */
final class RemoveContainerRpc {
    private final ContainerService containers;

    RemoveContainerRpc(ContainerService containers) {
        this.containers = containers;
    }

    RemoveContainerResponse removeContainer(RemoveContainerRequest r) {
        containers.remove(Requests.containerId(r.getContainerId()));
        return RemoveContainerResponse.getDefaultInstance();
    }
}
