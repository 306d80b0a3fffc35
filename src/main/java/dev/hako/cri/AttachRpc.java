package dev.hako.cri;

import dev.hako.container.Container;
import dev.hako.container.ContainerStreams;
import dev.hako.cri.v1.AttachRequest;
import dev.hako.cri.v1.AttachResponse;
import dev.hako.stream.StreamServer;

/** Attach: checks the streams and that the container runs, then answers with a single-use streaming URL. */
final class AttachRpc {
    private final ContainerStreams streams;
    private final StreamServer server;

    AttachRpc(ContainerStreams streams, StreamServer server) {
        this.streams = streams;
        this.server = server;
    }

    /**
     * The container's own terminal setting wins over the request's (kubectl already warns when it asked for
     * one the container lacks); with a terminal there is no separate stderr, as in CRI-O and containerd.
     */
    AttachResponse attach(AttachRequest r) {
        Requests.streams(false, r.getStdin(), r.getStdout(), r.getStderr());
        Container c = streams.running(Requests.containerId(r.getContainerId()));
        boolean tty = c.config().getTty();
        boolean stderr = r.getStderr() && !tty;
        return AttachResponse.newBuilder().setUrl(server.attachUrl(c.id(), tty, r.getStdin(),
                r.getStdout() || (tty && r.getStderr()), stderr)).build();
    }
}
