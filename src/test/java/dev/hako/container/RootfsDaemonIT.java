package dev.hako.container;

import static dev.hako.testing.Modes.mode;
import static dev.hako.testing.PodFixture.container;
import static dev.hako.testing.PodFixture.runPod;
import static dev.hako.testing.PodFixture.start;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ExecSyncResponse;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.Int64Value;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.RemoveContainerRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import dev.hako.testing.image.TarBuilder;
import dev.hako.testing.image.TestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Container root filesystems through the real daemon: an image of 128 layers runs, a non-root
 * container uses its private rootfs, and a writable layer deeper than PATH_MAX is removed.
 */
class RootfsDaemonIT {
    static final String LAYERS_IMAGE = "example.com/test/layers:128";
    static DaemonProcess d;

    @BeforeAll
    static void setUp() throws Exception {
        d = PodFixture.daemonWithImages();
        TestImage.Builder b = TestImage.builder().layer(TestImage.busyboxLayer().file("bottom", "from the bottom layer"));
        for (int i = 1; i < 127; i++) {
            b.layer(new TarBuilder().file("layer", "layer " + i).file("from-" + i, String.valueOf(i)));
        }
        b.layer(new TarBuilder().file("layer", "layer 127").file("top", "from the top layer").dir("shared", 0777));
        TestImage image = b.build();
        assertThat(image.layerBlobs).hasSize(128);
        PodFixture.importImage(d, image, LAYERS_IMAGE);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (d != null) {
            for (var p : d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            }
            d.close();
        }
    }

    static ExecSyncResponse exec(String id, String... cmd) {
        return d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addAllCmd(List.of(cmd))
                .setTimeout(30).build());
    }

    static String out(String id, String script) {
        ExecSyncResponse r = exec(id, "/bin/sh", "-c", script);
        assertThat(r.getExitCode()).as(script + ": " + r.getStderr().toStringUtf8()).isZero();
        return r.getStdout().toStringUtf8();
    }

    @Test
    void anImageOf128LayersRuns() {
        String pod = runPod(d, "layers");
        String id = start(d, pod, container("deep", "sleep 1000").setImage(ImageSpec.newBuilder().setImage(LAYERS_IMAGE)));
        assertThat(out(id, "cat /bottom")).isEqualTo("from the bottom layer");
        assertThat(out(id, "cat /top")).isEqualTo("from the top layer");
        assertThat(out(id, "cat /layer /from-1 /from-64")).isEqualTo("layer 127164");
    }

    @Test
    void aNonRootContainerUsesItsRootfsBehindPrivateDirectories() throws Exception {
        String pod = runPod(d, "nonroot");
        String id = start(d, pod, container("app", "sleep 1000").setImage(ImageSpec.newBuilder().setImage(LAYERS_IMAGE))
                .setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                        .setRunAsUser(Int64Value.newBuilder().setValue(1000)))));
        assertThat(out(id, "id -u").strip()).isEqualTo("1000");
        assertThat(out(id, "cat /bottom /top")).isEqualTo("from the bottom layerfrom the top layer");
        assertThat(out(id, "echo written > /shared/file && cat /shared/file")).isEqualTo("written\n");
        assertThat(out(id, "ls /")).contains("bin").contains("shared");
        // "/" is the image's (root's, 0755): not writable for uid 1000
        assertThat(exec(id, "/bin/sh", "-c", "echo x > /nope").getExitCode()).isNotZero();

        Path layers = d.root().resolve("containers");
        assertThat(mode(layers)).isEqualTo(0700);
        assertThat(mode(layers.resolve(id))).isEqualTo(0700);
        assertThat(mode(layers.resolve(id).resolve("work"))).isEqualTo(0700);
        assertThat(mode(layers.resolve(id).resolve("upper"))).isEqualTo(0755);
        assertThat(layers.resolve(id).resolve("upper/shared/file")).hasContent("written\n");
        for (String dir : List.of("snapshots", "snapshots/layers", "snapshots/l", "snapshots/tmp")) {
            assertThat(mode(d.root().resolve(dir))).as(dir).isEqualTo(0700);
        }
    }

    @Test
    void aWritableLayerDeeperThanPathMaxIsRemoved() throws Exception {
        String pod = runPod(d, "pathmax");
        String id = start(d, pod, container("digger", "sleep 1000"));
        // 3,000 levels of "xx": 9,000 bytes of path below the upper directory, built 500 levels at a time
        String chunk = "xx/".repeat(500);
        assertThat(out(id, "cd /tmp && for i in 1 2 3 4 5 6; do mkdir -p " + chunk + " && cd -P " + chunk
                + " || exit 1; done; echo deep > file; cat file")).isEqualTo("deep\n");
        Path layer = d.root().resolve("containers").resolve(id);
        assertThat(layer.resolve("upper/tmp/xx")).isDirectory();

        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
        assertThat(Files.exists(layer, NOFOLLOW_LINKS)).isFalse();
        assertThat(d.log()).doesNotContain("cannot delete");
    }
}
