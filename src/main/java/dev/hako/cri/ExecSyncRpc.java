package dev.hako.cri;

import com.google.protobuf.ByteString;
import dev.hako.container.ContainerService;
import dev.hako.container.ExecOutcome;
import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ExecSyncResponse;

/**
 * ExecSync: runs a command in a running container to its end (the kubelet's exec probes) and answers
 * with its exit code and output; past the timeout it is DEADLINE_EXCEEDED.
 */
final class ExecSyncRpc {
    private final ContainerService containers;

    ExecSyncRpc(ContainerService containers) {
        this.containers = containers;
    }

    ExecSyncResponse execSync(ExecSyncRequest r) {
        ContainerChecks.command(r.getCmdList(), "cmd");
        ContainerChecks.execTimeout(r.getTimeout(), "timeout");
        ExecOutcome res = containers.execSync(Requests.containerId(r.getContainerId()), r.getCmdList(), r.getTimeout());
        return ExecSyncResponse.newBuilder()
                .setExitCode(res.exitCode())
                .setStdout(ByteString.copyFrom(res.stdout()))
                .setStderr(ByteString.copyFrom(res.stderr()))
                .build();
    }
}
