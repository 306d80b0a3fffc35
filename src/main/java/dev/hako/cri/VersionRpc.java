package dev.hako.cri;

import dev.hako.BuildInfo;
import dev.hako.cri.v1.VersionRequest;
import dev.hako.cri.v1.VersionResponse;

/** Version: the CRI API version Hako speaks, and Hako's name and version. */
final class VersionRpc {
    /** The kubelet-facing API version every CRI runtime reports (the CRI's own, not Hako's). */
    static final String KUBELET_API_VERSION = "0.1.0";
    static final String CRI_API_VERSION = "v1";

    VersionResponse version(VersionRequest request) {
        return VersionResponse.newBuilder()
                .setVersion(KUBELET_API_VERSION)
                .setRuntimeName(BuildInfo.NAME)
                .setRuntimeVersion(BuildInfo.VERSION)
                .setRuntimeApiVersion(CRI_API_VERSION)
                .build();
    }
}
