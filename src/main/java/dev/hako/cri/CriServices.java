package dev.hako.cri;

import dev.hako.admin.v1.AdminGrpc;
import dev.hako.config.HakoConfig;
import dev.hako.container.ContainerService;
import dev.hako.container.ContainerStreams;
import dev.hako.pod.PodService;
import dev.hako.image.ImageService;
import dev.hako.network.NetworkState;
import dev.hako.oci.RuntimeHandlers;
import dev.hako.stats.StatsService;
import dev.hako.stream.StreamServer;
import io.grpc.ServerServiceDefinition;
import java.util.List;

/**
 * The CRI's RuntimeService ({@link CriRuntimeService}) and ImageService ({@link CriImageService}), and
 * Hako's admin service. Each CRI RPC is answered by the class named after it, e.g. {@link ExecSyncRpc}.
 */
public final class CriServices {
    private CriServices() {}

    public static List<ServerServiceDefinition> create(HakoConfig config, RuntimeHandlers handlers, NetworkState network,
                                                       ImageService images, PodService pods, ContainerService containers,
                                                       StatsService stats, ContainerStreams streams,
                                                       StreamServer streamServer) {
        ServerServiceDefinition runtime = CriRuntimeService.create(config, handlers, network, pods, containers, stats,
                streams, streamServer);
        ServerServiceDefinition image = CriImageService.create(images);
        RpcBinder admin = new RpcBinder(AdminGrpc.getServiceDescriptor());
        new AdminRpcs(images).bind(admin);
        // requests are decoded and size-checked by Hako, so undecodable ones get INVALID_ARGUMENT too
        return List.of(RequestDecoding.wrap(runtime), RequestDecoding.wrap(image),
                RequestDecoding.wrap(admin.build()));
    }
}
