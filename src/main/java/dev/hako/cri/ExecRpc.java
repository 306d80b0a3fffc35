package dev.hako.cri;

import dev.hako.container.Container;
import dev.hako.container.ContainerStreams;
import dev.hako.cri.v1.ExecRequest;
import dev.hako.cri.v1.ExecResponse;
import dev.hako.error.HakoException;
import dev.hako.stream.StreamServer;

/**
 * Exec: checks the command, the streams and that the container runs, then answers with a single-use URL
 * on the streaming server, where the kubelet (or crictl) then speaks SPDY or WebSocket.
 */
final class ExecRpc {
    private final ContainerStreams streams;
    private final StreamServer server;

    ExecRpc(ContainerStreams streams, StreamServer server) {
        this.streams = streams;
        this.server = server;
    }

    ExecResponse exec(ExecRequest r) {
        if (r.getCmdCount() == 0) {
            throw HakoException.invalidArgument("cmd", "no command given");
        }
        ContainerChecks.command(r.getCmdList(), "cmd");
        Requests.streams(r.getTty(), r.getStdin(), r.getStdout(), r.getStderr());
        Container c = streams.running(Requests.containerId(r.getContainerId()));
        return ExecResponse.newBuilder().setUrl(server.execUrl(c.id(), r.getCmdList(), r.getTty(), r.getStdin(),
                r.getStdout(), r.getStderr())).build();
    }
}
