package dev.hako.cri;

import com.google.protobuf.ByteString;
import dev.hako.container.Container;
import dev.hako.container.ContainerService;
import dev.hako.cri.v1.ContainerFilter;
import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.ContainerStatus;
import dev.hako.cri.v1.ContainerStatusRequest;
import dev.hako.cri.v1.ContainerStatusResponse;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.CreateContainerResponse;
import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ExecSyncResponse;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.ListContainersResponse;
import dev.hako.cri.v1.RemoveContainerRequest;
import dev.hako.cri.v1.RemoveContainerResponse;
import dev.hako.cri.v1.ReopenContainerLogRequest;
import dev.hako.cri.v1.ReopenContainerLogResponse;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.cri.v1.StartContainerResponse;
import dev.hako.cri.v1.StopContainerRequest;
import dev.hako.cri.v1.StopContainerResponse;
import dev.hako.cri.v1.UpdateContainerResourcesRequest;
import dev.hako.cri.v1.UpdateContainerResourcesResponse;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.monitor.Conmon;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** CreateContainer, StartContainer, StopContainer, RemoveContainer, ContainerStatus, ListContainers, ExecSync, ReopenContainerLog. */
public final class ContainerRpcs {
    private final ContainerService containers;

    public ContainerRpcs(ContainerService containers) {
        this.containers = containers;
    }

    public void bind(RpcBinder runtime) {
        runtime.unary(RuntimeServiceGrpc.getCreateContainerMethod(), this::create)
                .unary(RuntimeServiceGrpc.getStartContainerMethod(), this::start)
                .unary(RuntimeServiceGrpc.getStopContainerMethod(), this::stop)
                .unary(RuntimeServiceGrpc.getRemoveContainerMethod(), this::remove)
                .unary(RuntimeServiceGrpc.getContainerStatusMethod(), this::status)
                .unary(RuntimeServiceGrpc.getListContainersMethod(), this::list)
                .unary(RuntimeServiceGrpc.getExecSyncMethod(), this::execSync)
                .unary(RuntimeServiceGrpc.getReopenContainerLogMethod(), this::reopenLog)
                .unary(RuntimeServiceGrpc.getUpdateContainerResourcesMethod(), this::update);
    }

    CreateContainerResponse create(CreateContainerRequest r) {
        if (!r.hasConfig()) {
            throw HakoException.invalidArgument("config", "no container config given");
        }
        ContainerChecks.check(r.getConfig());
        String id = containers.create(PodRpcs.requireId(r.getPodSandboxId()), r.getConfig());
        return CreateContainerResponse.newBuilder().setContainerId(id).build();
    }

    StartContainerResponse start(StartContainerRequest r) {
        containers.start(requireId(r.getContainerId()));
        return StartContainerResponse.getDefaultInstance();
    }

    StopContainerResponse stop(StopContainerRequest r) {
        containers.stop(requireId(r.getContainerId()), r.getTimeout());
        return StopContainerResponse.getDefaultInstance();
    }

    RemoveContainerResponse remove(RemoveContainerRequest r) {
        containers.remove(requireId(r.getContainerId()));
        return RemoveContainerResponse.getDefaultInstance();
    }

    ContainerStatusResponse status(ContainerStatusRequest r) {
        Container c = containers.get(requireId(r.getContainerId()));
        ContainerStatus.Builder s = ContainerStatus.newBuilder()
                .setId(c.id())
                .setMetadata(c.config().getMetadata())
                .setState(state(c))
                .setCreatedAt(PodRpcs.nanos(c.createdAt()))
                .setStartedAt(PodRpcs.nanos(c.startedAt()))
                .setFinishedAt(PodRpcs.nanos(c.finishedAt()))
                .setExitCode(c.exitCode() == null ? 0 : c.exitCode())
                .setImage(ImageSpec.newBuilder().setImage(c.imageName()))
                .setImageRef(c.imageRef())
                .setImageId(c.imageId())
                .setReason(c.reason())
                .setMessage(c.message())
                .putAllLabels(c.config().getLabelsMap())
                .putAllAnnotations(c.config().getAnnotationsMap())
                .addAllMounts(c.config().getMountsList())
                .setLogPath(c.logPath().toString())
                .setStopSignal(c.config().getStopSignal());
        ContainerStatusResponse.Builder out = ContainerStatusResponse.newBuilder().setStatus(s);
        if (r.getVerbose()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("id", c.id());
            info.put("sandboxID", c.podId());
            info.put("pid", containers.runtimeState(c).map(st -> (Object) st.pid()).orElse(c.pid()));
            info.put("bundle", c.bundle().toString());
            info.put("runtimeHandler", c.handler());
            byte[] spec = containers.spec(c);
            if (spec.length > 0) {
                info.put("runtimeSpec", Json.parse(new String(spec, StandardCharsets.UTF_8)));
            }
            out.putInfo("info", Json.write(info));
        }
        return out.build();
    }

    ListContainersResponse list(ListContainersRequest r) {
        ContainerFilter f = r.getFilter();
        ListContainersResponse.Builder out = ListContainersResponse.newBuilder();
        for (Container c : containers.list()) {
            if (!f.getId().isEmpty() && !c.id().startsWith(f.getId())) {
                continue;
            }
            if (!f.getPodSandboxId().isEmpty() && !c.podId().startsWith(f.getPodSandboxId())) {
                continue;
            }
            if (f.hasState() && f.getState().getState() != state(c)) {
                continue;
            }
            if (!Labels.match(f.getLabelSelectorMap(), c.config().getLabelsMap())) {
                continue;
            }
            out.addContainers(dev.hako.cri.v1.Container.newBuilder()
                    .setId(c.id())
                    .setPodSandboxId(c.podId())
                    .setMetadata(c.config().getMetadata())
                    .setImage(ImageSpec.newBuilder().setImage(c.imageName()))
                    .setImageRef(c.imageRef())
                    .setImageId(c.imageId())
                    .setState(state(c))
                    .setCreatedAt(PodRpcs.nanos(c.createdAt()))
                    .putAllLabels(c.config().getLabelsMap())
                    .putAllAnnotations(c.config().getAnnotationsMap()));
        }
        return out.build();
    }

    ExecSyncResponse execSync(ExecSyncRequest r) {
        ContainerChecks.command(r.getCmdList(), "cmd");
        ContainerChecks.execTimeout(r.getTimeout(), "timeout");
        Conmon.ExecResult res = containers.execSync(requireId(r.getContainerId()), r.getCmdList(), r.getTimeout());
        return ExecSyncResponse.newBuilder()
                .setExitCode(res.exitCode())
                .setStdout(ByteString.copyFrom(res.stdout()))
                .setStderr(ByteString.copyFrom(res.stderr()))
                .build();
    }

    ReopenContainerLogResponse reopenLog(ReopenContainerLogRequest r) {
        containers.reopenLog(requireId(r.getContainerId()));
        return ReopenContainerLogResponse.getDefaultInstance();
    }

    UpdateContainerResourcesResponse update(UpdateContainerResourcesRequest r) {
        ResourceChecks.check(r.getLinux(), "linux");
        containers.updateResources(requireId(r.getContainerId()), r.getLinux());
        return UpdateContainerResourcesResponse.getDefaultInstance();
    }

    static ContainerState state(Container c) {
        return switch (c.state()) {
            case CREATED -> ContainerState.CONTAINER_CREATED;
            case RUNNING -> ContainerState.CONTAINER_RUNNING;
            case EXITED -> ContainerState.CONTAINER_EXITED;
            case UNKNOWN -> ContainerState.CONTAINER_UNKNOWN;
        };
    }

    static String requireId(String id) {
        if (id.isEmpty()) {
            throw HakoException.invalidArgument("container_id", "no container id given");
        }
        return id;
    }
}
