package dev.hako.cri;

import dev.hako.container.ContainerService;
import dev.hako.cri.v1.ReopenContainerLogRequest;
import dev.hako.cri.v1.ReopenContainerLogResponse;

/** ReopenContainerLog: the kubelet rotated a running container's log; conmon starts a new file. */
final class ReopenContainerLogRpc {
    private final ContainerService containers;

    ReopenContainerLogRpc(ContainerService containers) {
        this.containers = containers;
    }

    ReopenContainerLogResponse reopenContainerLog(ReopenContainerLogRequest r) {
        containers.reopenLog(Requests.containerId(r.getContainerId()));
        return ReopenContainerLogResponse.getDefaultInstance();
    }
}
