package dev.hako.cri;

import dev.hako.cri.v1.PortForwardRequest;
import dev.hako.cri.v1.PortForwardResponse;
import dev.hako.error.HakoException;
import dev.hako.pod.Pod;
import dev.hako.pod.PodService;
import dev.hako.stream.StreamServer;

/** PortForward: checks that the pod is ready and the ports are TCP ports, then answers with a single-use URL. */
final class PortForwardRpc {
    private final PodService pods;
    private final StreamServer server;

    PortForwardRpc(PodService pods, StreamServer server) {
        this.pods = pods;
        this.server = server;
    }

    PortForwardResponse portForward(PortForwardRequest r) {
        Pod pod = pods.get(Requests.podSandboxId(r.getPodSandboxId()));
        if (pod.state() != Pod.State.READY) {
            throw HakoException.failedPrecondition("pod sandbox " + pod.id() + " is not ready");
        }
        for (int i = 0; i < r.getPortCount(); i++) {
            if (r.getPort(i) <= 0 || r.getPort(i) > 65535) {
                throw HakoException.invalidArgument("port[" + i + "]", r.getPort(i) + " is not a TCP port");
            }
        }
        return PortForwardResponse.newBuilder().setUrl(server.portForwardUrl(pod.id(), r.getPortList())).build();
    }
}
