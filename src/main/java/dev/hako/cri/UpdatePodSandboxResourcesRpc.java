package dev.hako.cri;

import dev.hako.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.hako.cri.v1.UpdatePodSandboxResourcesResponse;
import dev.hako.pod.PodService;

/** UpdatePodSandboxResources: checks the new overhead and resources, then records them in the pod. */
final class UpdatePodSandboxResourcesRpc {
    private final PodService pods;

    UpdatePodSandboxResourcesRpc(PodService pods) {
        this.pods = pods;
    }

    UpdatePodSandboxResourcesResponse updatePodSandboxResources(UpdatePodSandboxResourcesRequest r) {
        ResourceChecks.check(r.getOverhead(), "overhead");
        ResourceChecks.check(r.getResources(), "resources");
        pods.updateResources(Requests.podSandboxId(r.getPodSandboxId()), r.getOverhead(), r.getResources());
        return UpdatePodSandboxResourcesResponse.getDefaultInstance();
    }
}
