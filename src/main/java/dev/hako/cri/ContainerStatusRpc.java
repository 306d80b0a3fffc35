package dev.hako.cri;

import dev.hako.container.Container;
import dev.hako.container.ContainerService;
import dev.hako.cri.v1.ContainerStatus;
import dev.hako.cri.v1.ContainerStatusRequest;
import dev.hako.cri.v1.ContainerStatusResponse;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** ContainerStatus: one container's state, times, image and mounts; verbose adds its pid, bundle and spec. */
final class ContainerStatusRpc {
    private final ContainerService containers;

    ContainerStatusRpc(ContainerService containers) {
        this.containers = containers;
    }

    ContainerStatusResponse containerStatus(ContainerStatusRequest r) {
        Container c = containers.get(Requests.containerId(r.getContainerId()));
        ContainerStatusResponse.Builder out = ContainerStatusResponse.newBuilder().setStatus(status(c));
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

    /** The CRI's status of {@code c}, as ContainerStatus and GetContainerEvents report it. */
    static ContainerStatus status(Container c) {
        return ContainerStatus.newBuilder()
                .setId(c.id())
                .setMetadata(c.config().getMetadata())
                .setState(States.of(c))
                .setCreatedAt(Timestamps.nanos(c.createdAt()))
                .setStartedAt(Timestamps.nanos(c.startedAt()))
                .setFinishedAt(Timestamps.nanos(c.finishedAt()))
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
                .setStopSignal(c.config().getStopSignal())
                .build();
    }
}
