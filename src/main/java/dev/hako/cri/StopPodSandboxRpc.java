package dev.hako.cri;

import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.cri.v1.StopPodSandboxResponse;
import dev.hako.container.ContainerService;
import dev.hako.pod.PodService;

/** StopPodSandbox: stops the pod, its containers first; stopping a stopped pod is no error. */
final class StopPodSandboxRpc {
    private final PodService pods;
    private final ContainerService containers;

    StopPodSandboxRpc(PodService pods, ContainerService containers) {
        this.pods = pods;
        this.containers = containers;
    }

    StopPodSandboxResponse stopPodSandbox(StopPodSandboxRequest r) {
        pods.stop(Requests.podSandboxId(r.getPodSandboxId()), containers);
        return StopPodSandboxResponse.getDefaultInstance();
    }
}
