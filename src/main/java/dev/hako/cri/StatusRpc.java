package dev.hako.cri;

import dev.hako.Readiness;
import dev.hako.config.ConfigTree;
import dev.hako.config.HakoConfig;
import dev.hako.config.HandlerConfig;
import dev.hako.cri.v1.RuntimeCondition;
import dev.hako.cri.v1.RuntimeFeatures;
import dev.hako.cri.v1.RuntimeHandler;
import dev.hako.cri.v1.RuntimeHandlerFeatures;
import dev.hako.cri.v1.RuntimeStatus;
import dev.hako.cri.v1.StatusRequest;
import dev.hako.cri.v1.StatusResponse;
import dev.hako.json.Json;
import dev.hako.network.NetworkState;
import dev.hako.oci.HostCgroups;
import dev.hako.oci.RuntimeHandlers;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Status: whether the runtime and the network are ready, and each runtime handler with its features;
 * verbose adds the config, the handlers, the host's cgroups and the pod CIDRs.
 */
final class StatusRpc {
    private final RuntimeHandlers handlers;
    private final NetworkState network;
    /** Built once: the config cannot change while the daemon runs. */
    private final String configJson;

    StatusRpc(HakoConfig config, RuntimeHandlers handlers, NetworkState network) {
        this.handlers = handlers;
        this.network = network;
        Map<String, Object> tree = new LinkedHashMap<>(ConfigTree.of(config));
        // crictl, kubeadm and other tools read the pause image from this conventional key
        tree.put("sandboxImage", config.runtime().pauseImage());
        this.configJson = Json.write(tree);
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
