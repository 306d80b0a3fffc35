package dev.hako.cri;

import dev.hako.BuildInfo;
import dev.hako.Readiness;
import dev.hako.config.CgroupDriver;
import dev.hako.config.ConfigTree;
import dev.hako.config.HakoConfig;
import dev.hako.config.HandlerConfig;
import dev.hako.cri.v1.LinuxRuntimeConfiguration;
import dev.hako.cri.v1.RuntimeCondition;
import dev.hako.cri.v1.RuntimeConfigRequest;
import dev.hako.cri.v1.RuntimeConfigResponse;
import dev.hako.cri.v1.RuntimeFeatures;
import dev.hako.cri.v1.RuntimeHandler;
import dev.hako.cri.v1.RuntimeHandlerFeatures;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.cri.v1.RuntimeStatus;
import dev.hako.cri.v1.StatusRequest;
import dev.hako.cri.v1.StatusResponse;
import dev.hako.cri.v1.UpdateRuntimeConfigRequest;
import dev.hako.cri.v1.UpdateRuntimeConfigResponse;
import dev.hako.cri.v1.VersionRequest;
import dev.hako.cri.v1.VersionResponse;
import dev.hako.json.Json;
import dev.hako.network.NetworkState;
import dev.hako.oci.HostCgroups;
import dev.hako.oci.RuntimeHandlers;
import java.util.LinkedHashMap;
import java.util.Map;

/** Version, Status, RuntimeConfig and UpdateRuntimeConfig: what the kubelet asks about the runtime itself. */
public final class RuntimeInfoRpcs {
    /** The kubelet-facing API version every CRI runtime reports (the CRI's own, not Hako's). */
    static final String KUBELET_API_VERSION = "0.1.0";
    static final String CRI_API_VERSION = "v1";

    private final HakoConfig config;
    private final RuntimeHandlers handlers;
    private final NetworkState network;
    /** Built once: the config cannot change while the daemon runs. */
    private final String configJson;

    public RuntimeInfoRpcs(HakoConfig config, RuntimeHandlers handlers, NetworkState network) {
        this.config = config;
        this.handlers = handlers;
        this.network = network;
        Map<String, Object> tree = new LinkedHashMap<>(ConfigTree.of(config));
        // crictl, kubeadm and other tools read the pause image from this conventional key
        tree.put("sandboxImage", config.runtime().pauseImage());
        this.configJson = Json.write(tree);
    }

    public void bind(RpcBinder runtime) {
        runtime.unary(RuntimeServiceGrpc.getVersionMethod(), this::version)
                .unary(RuntimeServiceGrpc.getStatusMethod(), this::status)
                .unary(RuntimeServiceGrpc.getRuntimeConfigMethod(), this::runtimeConfig)
                .unary(RuntimeServiceGrpc.getUpdateRuntimeConfigMethod(), this::updateRuntimeConfig);
    }

    VersionResponse version(VersionRequest request) {
        return VersionResponse.newBuilder()
                .setVersion(KUBELET_API_VERSION)
                .setRuntimeName(BuildInfo.NAME)
                .setRuntimeVersion(BuildInfo.VERSION)
                .setRuntimeApiVersion(CRI_API_VERSION)
                .build();
    }

    StatusResponse status(StatusRequest request) {
        HostCgroups cgroups = HostCgroups.refresh();
        StatusResponse.Builder out = StatusResponse.newBuilder()
                .setStatus(RuntimeStatus.newBuilder()
                        .addConditions(condition("RuntimeReady", handlers.readiness()))
                        .addConditions(condition("NetworkReady", network.readiness())))
                .setFeatures(RuntimeFeatures.getDefaultInstance());
        for (HandlerConfig h : handlers.all()) {
            out.addRuntimeHandlers(handler(h.name(), h.name()));
        }
        // the kubelet looks up pods without a RuntimeClass under the empty name
        out.addRuntimeHandlers(handler("", handlers.defaultName()));
        if (request.getVerbose()) {
            out.putInfo("config", configJson);
            out.putInfo("handlers", Json.write(handlers.statusInfo()));
            out.putInfo("cgroups", Json.write(cgroups.describe()));
            network.podCidrs().ifPresent(cidrs -> out.putInfo("podCIDR", Json.write(cidrs.toString())));
        }
        return out.build();
    }

    RuntimeConfigResponse runtimeConfig(RuntimeConfigRequest request) {
        dev.hako.cri.v1.CgroupDriver driver = config.runtime().cgroupDriver() == CgroupDriver.SYSTEMD
                ? dev.hako.cri.v1.CgroupDriver.SYSTEMD
                : dev.hako.cri.v1.CgroupDriver.CGROUPFS;
        return RuntimeConfigResponse.newBuilder()
                .setLinux(LinuxRuntimeConfiguration.newBuilder().setCgroupDriver(driver))
                .build();
    }

    UpdateRuntimeConfigResponse updateRuntimeConfig(UpdateRuntimeConfigRequest request) {
        network.updatePodCidrs(request.getRuntimeConfig().getNetworkConfig().getPodCidr(),
                "runtime_config.network_config.pod_cidr");
        return UpdateRuntimeConfigResponse.getDefaultInstance();
    }

    private static RuntimeCondition condition(String type, Readiness r) {
        return RuntimeCondition.newBuilder()
                .setType(type)
                .setStatus(r.ready())
                .setReason(r.reason())
                .setMessage(r.message())
                .build();
    }

    private RuntimeHandler handler(String name, String configured) {
        RuntimeHandlers.Features f = handlers.features(configured);
        return RuntimeHandler.newBuilder()
                .setName(name)
                .setFeatures(RuntimeHandlerFeatures.newBuilder()
                        .setRecursiveReadOnlyMounts(f.recursiveReadOnlyMounts())
                        .setUserNamespaces(f.userNamespaces()))
                .build();
    }
}
