package dev.hako.cri;

import dev.hako.container.ContainerService;
import dev.hako.cri.v1.UpdateContainerResourcesRequest;
import dev.hako.cri.v1.UpdateContainerResourcesResponse;

/** UpdateContainerResources: checks the new limits, then has the runtime apply them to the live cgroup. */
final class UpdateContainerResourcesRpc {
    private final ContainerService containers;

    UpdateContainerResourcesRpc(ContainerService containers) {
        this.containers = containers;
    }

    UpdateContainerResourcesResponse updateContainerResources(UpdateContainerResourcesRequest r) {
        ResourceChecks.check(r.getLinux(), "linux");
        containers.updateResources(Requests.containerId(r.getContainerId()), r.getLinux());
        return UpdateContainerResourcesResponse.getDefaultInstance();
    }
}
