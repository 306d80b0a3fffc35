package dev.hako.cri;

import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RemovePodSandboxResponse;
import dev.hako.container.ContainerService;
import dev.hako.pod.PodService;

/** RemovePodSandbox: removes the pod and its containers; an unknown id is no error. */
final class RemovePodSandboxRpc {
    private final PodService pods;
    private final ContainerService containers;

    RemovePodSandboxRpc(PodService pods, ContainerService containers) {
        this.pods = pods;
        this.containers = containers;
    }

    RemovePodSandboxResponse removePodSandbox(RemovePodSandboxRequest r) {
        pods.remove(Requests.podSandboxId(r.getPodSandboxId()), containers);
        return RemovePodSandboxResponse.getDefaultInstance();
    }
}
