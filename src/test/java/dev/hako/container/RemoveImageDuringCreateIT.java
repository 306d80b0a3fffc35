package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.ListImagesRequest;
import dev.hako.cri.v1.RemoveImageRequest;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import dev.hako.testing.TempDirs;
import dev.hako.testing.image.TestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * RemoveImage while a CreateContainer of that image is between looking the image up and recording the
 * container: the create holds a lease on the layers, so it succeeds and the container runs; the layers
 * are collected only once no container uses them.
 */
class RemoveImageDuringCreateIT {

    @Test
    void aCreatePausedAfterItsLeaseSurvivesTheRemovalOfItsImage() throws Exception {
        Path dir = TempDirs.create("hako-test");
        Path faults = dir.resolve("faults");
        try (DaemonProcess d = DaemonProcess.withConfig(dir, "")
                .environment(Map.of("HAKO_FAULT_STEP", "container-lease-taken", "HAKO_FAULT_DIR", faults.toString()))
                .start()) {
            PodFixture.importImage(d, TestImage.builder().layer(TestImage.busyboxLayer()).build(), PodFixture.IMAGE);
            String pod = PodFixture.runPod(d, "lease");
            Path layers = dir.resolve("root/snapshots/layers");
            long layerCount;
            try (var s = Files.list(layers)) {
                layerCount = s.count();
            }

            CompletableFuture<String> created = CompletableFuture.supplyAsync(
                    () -> PodFixture.create(d, pod, PodFixture.container("leased", "sleep 1000")));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(faults.resolve("container-lease-taken.reached")) && System.nanoTime() < deadline) {
                assertThat(created).as("the create paused at its lease").isNotDone();
                Thread.sleep(20);
            }
            d.image().removeImage(RemoveImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(PodFixture.IMAGE)).build());
            assertThat(d.image().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()).isEmpty();
            try (var s = Files.list(layers)) {
                assertThat(s.count()).as("the leased layers are still there").isEqualTo(layerCount);
            }
            Files.writeString(faults.resolve("container-lease-taken.resume"), "");

            String id = created.get(60, TimeUnit.SECONDS);
            d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            assertThat(PodFixture.status(d, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
            var out = d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).setTimeout(15)
                    .addAllCmd(List.of("cat", "/bin/busybox")).build());
            assertThat(out.getExitCode()).isZero();
            assertThat(out.getStdout().size()).isPositive();
        }
    }
}
