package dev.hako.cri;

import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxResponse;
import dev.hako.error.HakoException;
import dev.hako.pod.PodService;

/** RunPodSandbox: checks the pod config, then builds and starts the sandbox under the requested handler. */
final class RunPodSandboxRpc {
    private final PodService pods;

    RunPodSandboxRpc(PodService pods) {
        this.pods = pods;
    }

    RunPodSandboxResponse runPodSandbox(RunPodSandboxRequest r) {
        if (!r.hasConfig()) {
            throw HakoException.invalidArgument("config", "no pod sandbox config given");
        }
        PodChecks.check(r.getConfig());
        return RunPodSandboxResponse.newBuilder().setPodSandboxId(pods.run(r.getConfig(), r.getRuntimeHandler()).id()).build();
    }
}
