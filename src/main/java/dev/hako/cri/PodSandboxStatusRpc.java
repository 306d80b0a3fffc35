package dev.hako.cri;

import dev.hako.container.Container;
import dev.hako.container.ContainerService;
import dev.hako.cri.v1.LinuxPodSandboxStatus;
import dev.hako.cri.v1.Namespace;
import dev.hako.cri.v1.PodSandboxNetworkStatus;
import dev.hako.cri.v1.PodSandboxStatus;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.PodSandboxStatusResponse;
import dev.hako.json.Json;
import dev.hako.pod.Pod;
import dev.hako.pod.PodService;
import dev.hako.trace.Timing;
import dev.hako.trace.Trace;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PodSandboxStatus: one pod's state, addresses and namespaces, and its containers' statuses with the time they
 * were read (a kubelet with EventedPLEG takes its containers from here, not from ListContainers); verbose adds
 * Hako's own view of the pod.
 */
final class PodSandboxStatusRpc {
    private final PodService pods;
    private final ContainerService containers;

    PodSandboxStatusRpc(PodService pods, ContainerService containers) {
        this.pods = pods;
        this.containers = containers;
    }

    PodSandboxStatusResponse podSandboxStatus(PodSandboxStatusRequest r) {
        Pod p = pods.get(Requests.podSandboxId(r.getPodSandboxId()));
        Instant now = Instant.now();
        PodSandboxStatusResponse.Builder out = PodSandboxStatusResponse.newBuilder().setStatus(status(p));
        for (Container c : newestFirst(containers.inPod(p.id()))) {
            out.addContainersStatuses(ContainerStatusRpc.status(c));
        }
        out.setTimestamp(Timestamps.nanos(now));
        if (r.getVerbose()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("id", p.id());
            info.put("dir", p.dir().toString());
            info.put("netns", String.valueOf(p.context().netns()));
            info.put("ipcns", String.valueOf(p.context().ipcns()));
            info.put("utsns", String.valueOf(p.context().utsns()));
            info.put("hostname", p.context().hostname());
            info.put("cgroupParent", p.context().cgroupParent());
            info.put("runtimeHandler", p.runtimeHandler());
            out.putInfo("info", Json.write(info));
            // where the pod's start-up time went (hako trace POD); kept in memory since this daemon started
            out.putInfo("timings", Json.write(Trace.timings(p.id()).stream().map(Timing::toMap).toList()));
        }
        return out.build();
    }

    /**
     * Newest first, as the kubelet's own listing sorts them: with EventedPLEG it takes this list as it comes,
     * and the first container of a name is the one it restarts from; an older attempt first makes it create
     * an attempt that already exists.
     */
    static List<Container> newestFirst(List<Container> cs) {
        List<Container> out = new ArrayList<>(cs);
        out.sort(Comparator.comparing(Container::createdAt).reversed());
        return out;
    }

    /** The CRI's status of {@code p}, as PodSandboxStatus and GetContainerEvents report it. */
    static PodSandboxStatus status(Pod p) {
        return PodSandboxStatus.newBuilder()
                .setId(p.id())
                .setMetadata(p.config().getMetadata())
                .setState(States.of(p))
                .setCreatedAt(Timestamps.nanos(p.createdAt()))
                .setNetwork(network(p))
                .setLinux(LinuxPodSandboxStatus.newBuilder().setNamespaces(Namespace.newBuilder()
                        .setOptions(p.config().getLinux().getSecurityContext().getNamespaceOptions())))
                .putAllLabels(p.config().getLabelsMap())
                .putAllAnnotations(p.config().getAnnotationsMap())
                .setRuntimeHandler(p.runtimeHandler())
                .build();
    }

    /** The pod's CNI addresses: the first is {@code ip}, the rest {@code additional_ips}. */
    private static PodSandboxNetworkStatus network(Pod p) {
        PodSandboxNetworkStatus.Builder n = PodSandboxNetworkStatus.newBuilder();
        for (int i = 0; i < p.ips().size(); i++) {
            if (i == 0) {
                n.setIp(p.ips().get(i));
            } else {
                n.addAdditionalIps(dev.hako.cri.v1.PodIP.newBuilder().setIp(p.ips().get(i)));
            }
        }
        return n.build();
    }
}
