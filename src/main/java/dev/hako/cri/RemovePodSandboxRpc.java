package dev.hako.cri;

import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RemovePodSandboxResponse;
import dev.hako.pod.PodService;

/** RemovePodSandbox: removes the pod and its containers; an unknown id is no error. */
final class RemovePodSandboxRpc {
    private final PodService pods;

    RemovePodSandboxRpc(PodService pods) {
        this.pods = pods;
    }

    RemovePodSandboxResponse removePodSandbox(RemovePodSandboxRequest r) {
        pods.remove(Requests.podSandboxId(r.getPodSandboxId()));
        return RemovePodSandboxResponse.getDefaultInstance();
    }
}
