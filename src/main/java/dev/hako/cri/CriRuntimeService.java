package dev.hako.cri;

import dev.hako.config.HakoConfig;
import dev.hako.container.ContainerService;
import dev.hako.container.ContainerStreams;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.network.NetworkState;
import dev.hako.oci.RuntimeHandlers;
import dev.hako.pod.PodService;
import dev.hako.stats.StatsService;
import dev.hako.stream.StreamServer;
import io.grpc.ServerServiceDefinition;

/**
 * The CRI RuntimeService: which class answers each RPC, each named after its RPC. Nothing else happens
 * here; an RPC not bound answers UNIMPLEMENTED ({@link RpcBinder}).
 */
final class CriRuntimeService {
    private CriRuntimeService() {}

    static ServerServiceDefinition create(HakoConfig config, RuntimeHandlers handlers, NetworkState network,
                                          PodService pods, ContainerService containers, StatsService stats,
                                          ContainerStreams streams, StreamServer streamServer) {
        RpcBinder runtime = new RpcBinder(RuntimeServiceGrpc.getServiceDescriptor());
        // the runtime itself
        runtime.unary(RuntimeServiceGrpc.getVersionMethod(), new VersionRpc()::version)
                .unary(RuntimeServiceGrpc.getStatusMethod(), new StatusRpc(config, handlers, network)::status)
                .unary(RuntimeServiceGrpc.getRuntimeConfigMethod(), new RuntimeConfigRpc(config)::runtimeConfig)
                .unary(RuntimeServiceGrpc.getUpdateRuntimeConfigMethod(),
                        new UpdateRuntimeConfigRpc(network)::updateRuntimeConfig);
        // pod sandboxes
        runtime.unary(RuntimeServiceGrpc.getRunPodSandboxMethod(), new RunPodSandboxRpc(pods)::runPodSandbox)
                .unary(RuntimeServiceGrpc.getStopPodSandboxMethod(), new StopPodSandboxRpc(pods, containers)::stopPodSandbox)
                .unary(RuntimeServiceGrpc.getRemovePodSandboxMethod(), new RemovePodSandboxRpc(pods, containers)::removePodSandbox)
                .unary(RuntimeServiceGrpc.getPodSandboxStatusMethod(), new PodSandboxStatusRpc(pods, containers)::podSandboxStatus)
                .unary(RuntimeServiceGrpc.getListPodSandboxMethod(), new ListPodSandboxRpc(pods)::listPodSandbox)
                .unary(RuntimeServiceGrpc.getUpdatePodSandboxResourcesMethod(),
                        new UpdatePodSandboxResourcesRpc(pods)::updatePodSandboxResources);
        // containers
        runtime.unary(RuntimeServiceGrpc.getCreateContainerMethod(), new CreateContainerRpc(containers)::createContainer)
                .unary(RuntimeServiceGrpc.getStartContainerMethod(), new StartContainerRpc(containers)::startContainer)
                .unary(RuntimeServiceGrpc.getStopContainerMethod(), new StopContainerRpc(containers)::stopContainer)
                .unary(RuntimeServiceGrpc.getRemoveContainerMethod(), new RemoveContainerRpc(containers)::removeContainer)
                .unary(RuntimeServiceGrpc.getContainerStatusMethod(), new ContainerStatusRpc(containers)::containerStatus)
                .unary(RuntimeServiceGrpc.getListContainersMethod(), new ListContainersRpc(containers)::listContainers)
                .unary(RuntimeServiceGrpc.getExecSyncMethod(), new ExecSyncRpc(containers)::execSync)
                .unary(RuntimeServiceGrpc.getReopenContainerLogMethod(),
                        new ReopenContainerLogRpc(containers)::reopenContainerLog)
                .unary(RuntimeServiceGrpc.getUpdateContainerResourcesMethod(),
                        new UpdateContainerResourcesRpc(containers)::updateContainerResources)
                .openStreaming(RuntimeServiceGrpc.getGetContainerEventsMethod(),
                        new GetContainerEventsRpc(containers)::getContainerEvents);
        // stats and metrics
        runtime.unary(RuntimeServiceGrpc.getContainerStatsMethod(),
                        new ContainerStatsRpc(stats, config.root())::containerStats)
                .unary(RuntimeServiceGrpc.getListContainerStatsMethod(),
                        new ListContainerStatsRpc(stats, config.root())::listContainerStats)
                .unary(RuntimeServiceGrpc.getPodSandboxStatsMethod(),
                        new PodSandboxStatsRpc(stats, config.root())::podSandboxStats)
                .unary(RuntimeServiceGrpc.getListPodSandboxStatsMethod(),
                        new ListPodSandboxStatsRpc(stats, config.root())::listPodSandboxStats)
                .unary(RuntimeServiceGrpc.getListMetricDescriptorsMethod(),
                        new ListMetricDescriptorsRpc()::listMetricDescriptors)
                .unary(RuntimeServiceGrpc.getListPodSandboxMetricsMethod(),
                        new ListPodSandboxMetricsRpc(stats)::listPodSandboxMetrics);
        // streaming: each answers with a URL on the streaming server
        runtime.unary(RuntimeServiceGrpc.getExecMethod(), new ExecRpc(streams, streamServer)::exec)
                .unary(RuntimeServiceGrpc.getAttachMethod(), new AttachRpc(streams, streamServer)::attach)
                .unary(RuntimeServiceGrpc.getPortForwardMethod(), new PortForwardRpc(pods, streamServer)::portForward);
        return runtime.build();
    }
}
