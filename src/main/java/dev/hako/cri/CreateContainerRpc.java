package dev.hako.cri;

import dev.hako.container.ContainerService;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.CreateContainerResponse;
import dev.hako.error.HakoException;

/** CreateContainer: checks the container config, then creates the container in its pod (not started). */
final class CreateContainerRpc {
    private final ContainerService containers;

    CreateContainerRpc(ContainerService containers) {
        this.containers = containers;
    }

    CreateContainerResponse createContainer(CreateContainerRequest r) {
        if (!r.hasConfig()) {
            throw HakoException.invalidArgument("config", "no container config given");
        }
        ContainerChecks.check(r.getConfig());
        String id = containers.create(Requests.podSandboxId(r.getPodSandboxId()), r.getConfig());
        return CreateContainerResponse.newBuilder().setContainerId(id).build();
    }
}
