package dev.hako.cri;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.CgroupDriver;
import dev.hako.cri.v1.RuntimeConfigRequest;
import dev.hako.cri.v1.StatusRequest;
import dev.hako.testing.DaemonProcess;
import org.junit.jupiter.api.Test;

/** What UpdateRuntimeConfig stores survives a restart; a rejected update leaves the stored value alone. */
class PodCidrPersistenceIT {

    @Test
    void podCidrSurvivesRestartAndBadUpdatesChangeNothing() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("""
                [runtime]
                cgroup_driver = "systemd"
                """).start()) {
            d.runtime().updateRuntimeConfig(RuntimeInfoRpcsIT.podCidr("10.244.1.0/24,fd00:10:244:1::/64"));
            try {
                d.runtime().updateRuntimeConfig(RuntimeInfoRpcsIT.podCidr("10.244.1.0/24,bogus"));
            } catch (RuntimeException expected) {
                // INVALID_ARGUMENT; checked in RuntimeInfoRpcsIT
            }
            d.runtime().updateRuntimeConfig(RuntimeInfoRpcsIT.podCidr("")); // the kubelet's "no change"
            assertThat(d.stop()).isZero();

            d.start();
            assertThat(d.runtime().status(StatusRequest.newBuilder().setVerbose(true).build()).getInfoOrThrow("podCIDR"))
                    .isEqualTo("\"10.244.1.0/24,fd00:10:244:1::/64\"");
            assertThat(d.runtime().runtimeConfig(RuntimeConfigRequest.getDefaultInstance()).getLinux().getCgroupDriver())
                    .isEqualTo(CgroupDriver.SYSTEMD);
        }
    }
}
