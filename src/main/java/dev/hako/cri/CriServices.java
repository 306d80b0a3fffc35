package dev.hako.cri;

import dev.hako.admin.v1.AdminGrpc;
import dev.hako.config.HakoConfig;
import dev.hako.container.ContainerService;
import dev.hako.container.ContainerStreams;
import dev.hako.pod.PodService;
import dev.hako.cri.v1.ImageServiceGrpc;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.image.ImageService;
import dev.hako.network.NetworkState;
import dev.hako.oci.RuntimeHandlers;
import dev.hako.stats.StatsService;
import dev.hako.stream.StreamServer;
import io.grpc.ServerServiceDefinition;
import java.util.List;

/** The CRI's RuntimeService and ImageService, assembled from their RPC groups, and Hako's admin service. */
public final class CriServices {
    private CriServices() {}

    public static List<ServerServiceDefinition> create(HakoConfig config, RuntimeHandlers handlers, NetworkState network,
                                                       ImageService images, PodService pods, ContainerService containers,
                                                       StatsService stats, ContainerStreams streams,
                                                       StreamServer streamServer) {
        RpcBinder runtime = new RpcBinder(RuntimeServiceGrpc.getServiceDescriptor());
        new RuntimeInfoRpcs(config, handlers, network).bind(runtime);
        new PodRpcs(pods).bind(runtime);
        new ContainerRpcs(containers).bind(runtime);
        new StatsRpcs(stats, config.root()).bind(runtime);
        new StreamingRpcs(streams, streamServer, pods).bind(runtime);
        RpcBinder image = new RpcBinder(ImageServiceGrpc.getServiceDescriptor());
        new ImageRpcs(images).bind(image);
        RpcBinder admin = new RpcBinder(AdminGrpc.getServiceDescriptor());
        new AdminRpcs(images).bind(admin);
        // requests are decoded and size-checked by Hako, so undecodable ones get INVALID_ARGUMENT too
        return List.of(RequestDecoding.wrap(runtime.build()), RequestDecoding.wrap(image.build()),
                RequestDecoding.wrap(admin.build()));
    }
}
