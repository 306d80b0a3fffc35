package dev.hako.cri;

import dev.hako.cri.v1.LinuxPodSandboxStatus;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.ListPodSandboxResponse;
import dev.hako.cri.v1.Namespace;
import dev.hako.cri.v1.PodSandbox;
import dev.hako.cri.v1.PodSandboxFilter;
import dev.hako.cri.v1.PodSandboxNetworkStatus;
import dev.hako.cri.v1.PodSandboxState;
import dev.hako.cri.v1.PodSandboxStatus;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.PodSandboxStatusResponse;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RemovePodSandboxResponse;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxResponse;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.cri.v1.StopPodSandboxResponse;
import dev.hako.cri.v1.UpdatePodSandboxResourcesRequest;
import dev.hako.cri.v1.UpdatePodSandboxResourcesResponse;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.pod.Pod;
import dev.hako.pod.PodService;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** RunPodSandbox, StopPodSandbox, RemovePodSandbox, PodSandboxStatus, ListPodSandbox. */
public final class PodRpcs {
    private final PodService pods;

    public PodRpcs(PodService pods) {
        this.pods = pods;
    }

    public void bind(RpcBinder runtime) {
        runtime.unary(RuntimeServiceGrpc.getRunPodSandboxMethod(), this::run)
                .unary(RuntimeServiceGrpc.getStopPodSandboxMethod(), this::stop)
                .unary(RuntimeServiceGrpc.getRemovePodSandboxMethod(), this::remove)
                .unary(RuntimeServiceGrpc.getPodSandboxStatusMethod(), this::status)
                .unary(RuntimeServiceGrpc.getListPodSandboxMethod(), this::list)
                .unary(RuntimeServiceGrpc.getUpdatePodSandboxResourcesMethod(), this::updateResources);
    }

    RunPodSandboxResponse run(RunPodSandboxRequest r) {
        if (!r.hasConfig()) {
            throw HakoException.invalidArgument("config", "no pod sandbox config given");
        }
        PodChecks.check(r.getConfig());
        return RunPodSandboxResponse.newBuilder().setPodSandboxId(pods.run(r.getConfig(), r.getRuntimeHandler()).id()).build();
    }

    StopPodSandboxResponse stop(StopPodSandboxRequest r) {
        pods.stop(requireId(r.getPodSandboxId()));
        return StopPodSandboxResponse.getDefaultInstance();
    }

    RemovePodSandboxResponse remove(RemovePodSandboxRequest r) {
        pods.remove(requireId(r.getPodSandboxId()));
        return RemovePodSandboxResponse.getDefaultInstance();
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

    PodSandboxStatusResponse status(PodSandboxStatusRequest r) {
        Pod p = pods.get(requireId(r.getPodSandboxId()));
        PodSandboxStatus.Builder s = PodSandboxStatus.newBuilder()
                .setId(p.id())
                .setMetadata(p.config().getMetadata())
                .setState(state(p))
                .setCreatedAt(nanos(p.createdAt()))
                .setNetwork(network(p))
                .setLinux(LinuxPodSandboxStatus.newBuilder().setNamespaces(Namespace.newBuilder()
                        .setOptions(p.config().getLinux().getSecurityContext().getNamespaceOptions())))
                .putAllLabels(p.config().getLabelsMap())
                .putAllAnnotations(p.config().getAnnotationsMap())
                .setRuntimeHandler(p.runtimeHandler());
        PodSandboxStatusResponse.Builder out = PodSandboxStatusResponse.newBuilder().setStatus(s)
                .setTimestamp(nanos(Instant.now()));
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
        }
        return out.build();
    }

    ListPodSandboxResponse list(ListPodSandboxRequest r) {
        PodSandboxFilter f = r.getFilter();
        ListPodSandboxResponse.Builder out = ListPodSandboxResponse.newBuilder();
        for (Pod p : pods.list()) {
            if (!f.getId().isEmpty() && !p.id().startsWith(f.getId())) {
                continue;
            }
            if (f.hasState() && f.getState().getState() != state(p)) {
                continue;
            }
            if (!Labels.match(f.getLabelSelectorMap(), p.config().getLabelsMap())) {
                continue;
            }
            out.addItems(PodSandbox.newBuilder()
                    .setId(p.id())
                    .setMetadata(p.config().getMetadata())
                    .setState(state(p))
                    .setCreatedAt(nanos(p.createdAt()))
                    .putAllLabels(p.config().getLabelsMap())
                    .putAllAnnotations(p.config().getAnnotationsMap())
                    .setRuntimeHandler(p.runtimeHandler()));
        }
        return out.build();
    }

    UpdatePodSandboxResourcesResponse updateResources(UpdatePodSandboxResourcesRequest r) {
        ResourceChecks.check(r.getOverhead(), "overhead");
        ResourceChecks.check(r.getResources(), "resources");
        pods.updateResources(requireId(r.getPodSandboxId()), r.getOverhead(), r.getResources());
        return UpdatePodSandboxResourcesResponse.getDefaultInstance();
    }

    static PodSandboxState state(Pod p) {
        return p.state() == Pod.State.READY ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY;
    }

    static long nanos(Instant i) {
        return i == null ? 0 : i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    static String requireId(String id) {
        if (id.isEmpty()) {
            throw HakoException.invalidArgument("pod_sandbox_id", "no pod sandbox id given");
        }
        return id;
    }
}
