package dev.hako.cri;

import dev.hako.config.CgroupDriver;
import dev.hako.config.HakoConfig;
import dev.hako.cri.v1.LinuxRuntimeConfiguration;
import dev.hako.cri.v1.RuntimeConfigRequest;
import dev.hako.cri.v1.RuntimeConfigResponse;

/** RuntimeConfig: the cgroup driver Hako runs containers under, for the kubelet to match. */
final class RuntimeConfigRpc {
    private final HakoConfig config;

    RuntimeConfigRpc(HakoConfig config) {
        this.config = config;
    }

    RuntimeConfigResponse runtimeConfig(RuntimeConfigRequest request) {
        dev.hako.cri.v1.CgroupDriver driver = config.runtime().cgroupDriver() == CgroupDriver.SYSTEMD
                ? dev.hako.cri.v1.CgroupDriver.SYSTEMD
                : dev.hako.cri.v1.CgroupDriver.CGROUPFS;
        return RuntimeConfigResponse.newBuilder()
                .setLinux(LinuxRuntimeConfiguration.newBuilder().setCgroupDriver(driver))
                .build();
    }
}
