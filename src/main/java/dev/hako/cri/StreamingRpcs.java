package dev.hako.cri;

import dev.hako.container.Container;
import dev.hako.container.ContainerStreams;
import dev.hako.cri.v1.AttachRequest;
import dev.hako.cri.v1.AttachResponse;
import dev.hako.cri.v1.ExecRequest;
import dev.hako.cri.v1.ExecResponse;
import dev.hako.cri.v1.PortForwardRequest;
import dev.hako.cri.v1.PortForwardResponse;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.error.HakoException;
import dev.hako.pod.Pod;
import dev.hako.pod.PodService;
import dev.hako.stream.StreamServer;

/**
 * Exec, Attach, PortForward: each checks the request and its target, then answers with a single-use
 * URL on the streaming server, where the kubelet (or crictl) then speaks SPDY or WebSocket.
 */
public final class StreamingRpcs {
    private final ContainerStreams streams;
    private final StreamServer server;
    private final PodService pods;

    public StreamingRpcs(ContainerStreams streams, StreamServer server, PodService pods) {
        this.streams = streams;
        this.server = server;
        this.pods = pods;
    }

    public void bind(RpcBinder runtime) {
        runtime.unary(RuntimeServiceGrpc.getExecMethod(), this::exec)
                .unary(RuntimeServiceGrpc.getAttachMethod(), this::attach)
                .unary(RuntimeServiceGrpc.getPortForwardMethod(), this::portForward);
    }

    ExecResponse exec(ExecRequest r) {
        if (r.getCmdCount() == 0) {
            throw HakoException.invalidArgument("cmd", "no command given");
        }
        ContainerChecks.command(r.getCmdList(), "cmd");
        checkStreams(r.getTty(), r.getStdin(), r.getStdout(), r.getStderr());
        Container c = streams.running(ContainerRpcs.requireId(r.getContainerId()));
        return ExecResponse.newBuilder().setUrl(server.execUrl(c.id(), r.getCmdList(), r.getTty(), r.getStdin(),
                r.getStdout(), r.getStderr())).build();
    }

    /**
     * The container's own terminal setting wins over the request's (kubectl already warns when it asked for
     * one the container lacks); with a terminal there is no separate stderr, as in CRI-O and containerd.
     */
    AttachResponse attach(AttachRequest r) {
        checkStreams(false, r.getStdin(), r.getStdout(), r.getStderr());
        Container c = streams.running(ContainerRpcs.requireId(r.getContainerId()));
        boolean tty = c.config().getTty();
        boolean stderr = r.getStderr() && !tty;
        return AttachResponse.newBuilder().setUrl(server.attachUrl(c.id(), tty, r.getStdin(),
                r.getStdout() || (tty && r.getStderr()), stderr)).build();
    }

    PortForwardResponse portForward(PortForwardRequest r) {
        Pod pod = pods.get(PodRpcs.requireId(r.getPodSandboxId()));
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

    /** The kubelet's own rules: some stream to carry, and no stderr beside a terminal (it has one output). */
    private static void checkStreams(boolean tty, boolean stdin, boolean stdout, boolean stderr) {
        if (!stdin && !stdout && !stderr) {
            throw HakoException.invalidArgument("stdin", "one of stdin, stdout and stderr must be set");
        }
        if (tty && stderr) {
            throw HakoException.invalidArgument("stderr", "tty and stderr cannot both be true");
        }
    }
}
