package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.pod.Pod;
import dev.hako.testing.Modes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Where a container's bundle and writable layer are, their modes, and what is read back from the bundle. */
class ContainerBundlesTest {
    private ContainerFixture f;
    private ContainerBundles bundles;

    @BeforeEach
    void setUp() throws Exception {
        f = new ContainerFixture();
        bundles = new ContainerBundles(f.config);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void bundlesAreUnderStateAndLayersUnderRootBoth0700() throws Exception {
        assertThat(bundles.bundle("c1")).isEqualTo(f.config.state().resolve("containers/c1"));
        assertThat(bundles.layer("c1")).isEqualTo(f.config.root().resolve("containers/c1"));
        assertThat(ContainerBundles.rootfs(bundles.bundle("c1"))).isEqualTo(f.config.state().resolve("containers/c1/rootfs"));
        assertThat(ContainerBundles.specFile(bundles.bundle("c1"))).isEqualTo(f.config.state().resolve("containers/c1/config.json"));
        assertThat(Modes.mode(f.config.state().resolve("containers"))).isEqualTo(0700);
        assertThat(Modes.mode(f.config.root().resolve("containers"))).isEqualTo(0700);
        bundles.createDirectories("c1");
        assertThat(Modes.mode(bundles.bundle("c1"))).isEqualTo(0700);
        assertThat(Modes.mode(bundles.layer("c1"))).isEqualTo(0700);
    }

    @Test
    void theSpecIsWrittenPrivateAndReadBackWithTheImageStopSignal() throws Exception {
        Container c = f.container("c1", Container.State.CREATED, "runc");
        assertThat(ContainerBundles.spec(c)).isEmpty();
        assertThat(ContainerBundles.stopSignalOfImage(c)).isEmpty();
        bundles.createDirectories("c1");
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("ociVersion", "1.2.0");
        spec.put("annotations", Map.of("org.opencontainers.image.stopSignal", "SIGQUIT"));
        ContainerBundles.writeSpec(c.bundle(), spec);
        assertThat(Modes.mode(c.bundle().resolve("config.json"))).isEqualTo(0600);
        assertThat(ContainerBundles.specTree(c)).isEqualTo(spec);
        assertThat(ContainerBundles.stopSignalOfImage(c)).isEqualTo("SIGQUIT");
    }

    @Test
    void withoutALogDirectoryTheLogStaysInTheBundle() throws Exception {
        Pod pod = new Pod(ContainerFixture.POD, PodSandboxConfig.getDefaultInstance(), "", Pod.State.READY, Instant.now(),
                f.dir.resolve("pod"), null);
        Path bundle = bundles.bundle("c1");
        assertThat(bundles.logPath(pod, ContainerFixture.config("app", 0), bundle)).isEqualTo(bundle.resolve("container.log"));
        Path logs = f.dir.resolve("pods/default_web_uid-1");
        Files.createDirectories(logs);
        Pod logged = new Pod(ContainerFixture.POD, PodSandboxConfig.newBuilder().setLogDirectory(logs.toString()).build(),
                "", Pod.State.READY, Instant.now(), f.dir.resolve("pod"), null);
        assertThat(bundles.logPath(logged, ContainerFixture.config("app", 0).toBuilder().setLogPath("app/0.log").build(),
                bundle)).isEqualTo(logs.resolve("app/0.log"));
    }

    @Test
    void deleteTakesBundleAndLayer() throws Exception {
        bundles.createDirectories("c1");
        Files.writeString(bundles.layer("c1").resolve("f"), "x");
        bundles.delete("c1", bundles.bundle("c1"));
        assertThat(bundles.bundle("c1")).doesNotExist();
        assertThat(bundles.layer("c1")).doesNotExist();
    }

    @Test
    void orphansAreTheDirectoriesNoRecordNames() throws Exception {
        bundles.createDirectories("kept");
        bundles.createDirectories("orphan");
        bundles.removeOrphans(Set.of("kept"));
        assertThat(bundles.bundle("kept")).isDirectory();
        assertThat(bundles.layer("kept")).isDirectory();
        assertThat(bundles.bundle("orphan")).doesNotExist();
        assertThat(bundles.layer("orphan")).doesNotExist();
    }
}
