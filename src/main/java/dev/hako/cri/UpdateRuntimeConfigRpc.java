package dev.hako.cri;

import dev.hako.cri.v1.UpdateRuntimeConfigRequest;
import dev.hako.cri.v1.UpdateRuntimeConfigResponse;
import dev.hako.network.NetworkState;

/** UpdateRuntimeConfig: the node's pod CIDRs from the kubelet; an empty one means no change. */
final class UpdateRuntimeConfigRpc {
    private final NetworkState network;

    UpdateRuntimeConfigRpc(NetworkState network) {
        this.network = network;
    }

    UpdateRuntimeConfigResponse updateRuntimeConfig(UpdateRuntimeConfigRequest request) {
        network.updatePodCidrs(request.getRuntimeConfig().getNetworkConfig().getPodCidr(),
                "runtime_config.network_config.pod_cidr");
        return UpdateRuntimeConfigResponse.getDefaultInstance();
    }
}
