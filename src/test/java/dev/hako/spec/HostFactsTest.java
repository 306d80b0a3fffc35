package dev.hako.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.config.CgroupDriver;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The host as the generator sees it: probed once, and the only source of what it knows about the host. */
class HostFactsTest {
    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = TempDirs.create("hako-facts-");
        Files.createDirectories(dir.resolve("rootfs/etc"));
        Files.createDirectories(dir.resolve("dev"));
    }

    @AfterEach
    void tearDown() {
        TempDirs.delete(dir);
    }

    @Test
    void theOomFloorHonoursCapSysResource() throws IOException {
        assertThat(HostFacts.minOomScoreAdj(Set.of("CAP_SYS_RESOURCE"))).isEqualTo(-1000);
        int own = Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).strip());
        assertThat(HostFacts.minOomScoreAdj(Set.of("CAP_CHOWN"))).isEqualTo(own);
        HostFacts probed = HostFacts.probe();
        assertThat(probed.minOomScoreAdj()).isEqualTo(HostFacts.minOomScoreAdj(probed.capabilities()));
    }

    @Test
    void capabilitiesKeepTheKernelsOrder() {
        assertThat(CapabilitySection.effective(0b1_0000_0001L)).containsExactly("CAP_CHOWN", "CAP_SETPCAP");
        HostFacts facts = new HostFacts(0, new java.util.LinkedHashSet<>(List.of("CAP_KILL", "CAP_CHOWN")), false,
                false, "amd64", dir.resolve("dev"));
        assertThat(facts.capabilities()).containsExactly("CAP_KILL", "CAP_CHOWN");
        assertThat(HostFacts.arch("x86_64")).isEqualTo("amd64");
        assertThat(HostFacts.arch("aarch64")).isEqualTo("arm64");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theGeneratorUsesTheFactsItIsGiven() {
        HostFacts facts = new HostFacts(-5, Set.of("CAP_KILL"), false, false, "amd64", dir.resolve("dev"));
        ContainerConfig c = ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c"))
                .addCommand("sh").setLinux(LinuxContainerConfig.newBuilder()
                        .setResources(LinuxContainerResources.newBuilder().setOomScoreAdj(-999))
                        .setSecurityContext(LinuxContainerSecurityContext.newBuilder().setPrivileged(true))).build();
        PodContext pod = new PodContext("p", "n", "ns", "u", "", null, null, null, null, false, null, null, null, null,
                "", Map.of());
        Map<String, Object> spec = new SpecGenerator(facts).generate(new SpecInput("cid", c, pod, null, "img",
                dir.resolve("rootfs"), CgroupDriver.CGROUPFS)).toJson();
        Map<String, Object> process = (Map<String, Object>) spec.get("process");
        assertThat(process.get("oomScoreAdj")).isEqualTo(-5);
        assertThat(((Map<String, Object>) process.get("capabilities")).get("bounding")).isEqualTo(List.of("CAP_KILL"));
        // privileged: the host's devices are those of the given directory, here none
        assertThat((Map<String, Object>) spec.get("linux")).doesNotContainKey("devices");
    }
}
