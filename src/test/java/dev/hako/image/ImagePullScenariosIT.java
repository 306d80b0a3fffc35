package dev.hako.image;

import dev.hako.image.spec.Digest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.AuthConfig;
import dev.hako.cri.v1.Image;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.ListImagesRequest;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.HakoCommand;
import dev.hako.testing.image.Push;
import dev.hako.testing.image.TarBuilder;
import dev.hako.testing.image.TestImage;
import dev.hako.testing.registry.RegistryPusher;
import dev.hako.testing.registry.RegistryServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Mirrors, fallback, credentials, corruption, hostile layers, concurrency, import and crash recovery. */
class ImagePullScenariosIT {

    static String pull(DaemonProcess d, String ref) {
        return pull(d, ref, AuthConfig.getDefaultInstance());
    }

    static String pull(DaemonProcess d, String ref, AuthConfig auth) {
        return d.image().pullImage(PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(ref)).setAuth(auth).build()).getImageRef();
    }

    static List<String> imageIds(DaemonProcess d) {
        return d.image().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream().map(Image::getId).toList();
    }

    static TestImage small(String marker) {
        return TestImage.builder().layer(new TarBuilder().file("marker", marker)).build();
    }

    @Test
    void dockerHubNamesAreServedByTheConfiguredMirror() throws Exception {
        try (RegistryServer mirror = RegistryServer.plain()) {
            TestImage img = TestImage.builder().layer(TestImage.busyboxLayer()).build();
            Push.image(new RegistryPusher(mirror), "library/busybox", "1.36", img);
            try (DaemonProcess d = DaemonProcess.withConfig("""
                    [image.registries."docker.io"]
                    mirrors = ["http://%s"]
                    fallback = false
                    """.formatted(mirror.host())).start()) {
                assertThat(pull(d, "busybox:1.36")).isEqualTo(img.id());
                Image image = d.image().listImages(ListImagesRequest.getDefaultInstance()).getImages(0);
                assertThat(image.getRepoTagsList()).containsExactly("docker.io/library/busybox:1.36");
                // the same through the CLI: rmi, then pull with progress (one line per phase when piped)
                HakoCommand.Result rmi = HakoCommand.run(d.dir(), "rmi", "busybox:1.36", "--socket", d.socket().toString());
                assertThat(rmi.exitCode()).as(rmi.output()).isZero();
                assertThat(imageIds(d)).isEmpty();
                HakoCommand.Result cliPull = HakoCommand.run(d.dir(), "pull", "busybox:1.36", "--socket", d.socket().toString());
                assertThat(cliPull.exitCode()).as(cliPull.output()).isZero();
                assertThat(cliPull.output()).contains("pulling").contains("done").contains("pulled busybox:1.36")
                        .contains(img.id());
                assertThat(imageIds(d)).containsExactly(img.id());
            }
        }
    }

    @Test
    void mirrorFirstThenTheHostOnlyWhenFallbackIsAllowed() throws Exception {
        try (RegistryServer mirror = RegistryServer.plain(); RegistryServer origin = RegistryServer.plain()) {
            TestImage onMirror = small("mirror");
            TestImage onOrigin = small("origin");
            Push.image(new RegistryPusher(mirror), "team/app", "1", onMirror);
            Push.image(new RegistryPusher(origin), "team/app", "1", onOrigin);
            Push.image(new RegistryPusher(origin), "team/other", "1", onOrigin);
            String table = """
                    [image.registries."%s"]
                    mirrors = ["http://%s"]
                    insecure = true
                    fallback = %s
                    """;
            try (DaemonProcess d = DaemonProcess.withConfig(table.formatted(origin.host(), mirror.host(), "true")).start()) {
                assertThat(pull(d, origin.host() + "/team/app:1")).isEqualTo(onMirror.id()); // the mirror answers first
                assertThat(pull(d, origin.host() + "/team/other:1")).isEqualTo(onOrigin.id()); // not mirrored: the host
            }
            try (DaemonProcess d = DaemonProcess.withConfig(table.formatted(origin.host(), mirror.host(), "false")).start()) {
                assertThatThrownBy(() -> pull(d, origin.host() + "/team/other:1"))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                            assertThat(e.getStatus().getDescription()).contains(mirror.host())
                                    .doesNotContain("http://" + origin.host());
                        });
            }
        }
    }

    @Test
    void credentialsAreUsedAndWrongOnesRefused() throws Exception {
        try (RegistryServer secured = RegistryServer.basicAuth("kube", "s3cret")) {
            TestImage img = small("private");
            RegistryPusher pusher = new RegistryPusher(secured).withCredentials("kube", "s3cret");
            Push.image(pusher, "private/app", "1", img);
            // docker-registry takes htpasswd over plain HTTP, so the host is configured insecure
            try (DaemonProcess d = DaemonProcess.withConfig("""
                    [image.registries."%s"]
                    insecure = true
                    """.formatted(secured.host())).start()) {
                String ref = secured.host() + "/private/app:1";
                assertThatThrownBy(() -> pull(d, ref, AuthConfig.newBuilder().setUsername("kube").setPassword("wrong").build()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                            assertThat(e.getStatus().getDescription()).contains(secured.host()).doesNotContain("wrong");
                        });
                assertThatThrownBy(() -> pull(d, ref)).isInstanceOf(StatusRuntimeException.class);
                assertThat(pull(d, ref, AuthConfig.newBuilder().setUsername("kube").setPassword("s3cret").build()))
                        .isEqualTo(img.id());
            }
        }
    }

    @Test
    void aRegistryServingOtherBytesFailsThePullAndStoresNothing() throws Exception {
        try (RegistryServer registry = RegistryServer.plain()) {
            TestImage img = small("genuine");
            Push.image(new RegistryPusher(registry), "test/corrupt", "1", img);
            Digest layer = Digest.sha256(img.layerBlobs.getFirst());
            Path data = registry.blobData(layer);
            byte[] other = TestImage.builder().layer(new TarBuilder().file("marker", "evil!!!")).build().layerBlobs.getFirst();
            Files.write(data, other);
            try (DaemonProcess d = DaemonProcess.withConfig("""
                    [image.registries."%s"]
                    insecure = true
                    """.formatted(registry.host())).start()) {
                assertThatThrownBy(() -> pull(d, registry.host() + "/test/corrupt:1"))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isIn(Status.Code.DATA_LOSS);
                            assertThat(e.getStatus().getDescription()).contains(layer.toString());
                        });
                assertThat(imageIds(d)).isEmpty();
                assertThat(d.root().resolve("content/blobs/sha256").resolve(layer.hex())).doesNotExist();
                try (Stream<Path> ingest = Files.list(d.root().resolve("content/ingest"))) {
                    assertThat(ingest).isEmpty();
                }
                try (Stream<Path> layers = Files.list(d.root().resolve("snapshots/layers"))) {
                    assertThat(layers).isEmpty();
                }
            }
        }
    }

    @Test
    void hostileLayersFailThePullNamingTheEntry() throws Exception {
        try (RegistryServer registry = RegistryServer.plain()) {
            RegistryPusher pusher = new RegistryPusher(registry);
            Push.image(pusher, "evil/dotdot", "1", TestImage.builder().layer(new TarBuilder().file("ok", "1").file("../../escape", "x")).build());
            Push.image(pusher, "evil/absolute", "1", TestImage.builder().layer(new TarBuilder().file("/etc/hako-escape", "x")).build());
            Push.image(pusher, "evil/symlink", "1", TestImage.builder().layer(
                    new TarBuilder().symlink("link", "/tmp").file("link/hako-escape", "x")).build());
            Push.image(pusher, "evil/hardlink", "1", TestImage.builder().layer(
                    new TarBuilder().hardlink("passwd", "../../../../etc/passwd")).build());
            try (DaemonProcess d = DaemonProcess.withConfig("""
                    [image.registries."%s"]
                    insecure = true
                    """.formatted(registry.host())).start()) {
                for (String[] c : new String[][] {{"dotdot", "../../escape"}, {"absolute", "/etc/hako-escape"},
                        {"symlink", "link/hako-escape"}, {"hardlink", "passwd"}}) {
                    assertThatThrownBy(() -> pull(d, registry.host() + "/evil/" + c[0] + ":1"))
                            .as(c[0])
                            .isInstanceOfSatisfying(StatusRuntimeException.class,
                                    e -> assertThat(e.getStatus().getDescription()).contains(c[1]));
                }
                assertThat(imageIds(d)).isEmpty();
                assertThat(Path.of("/etc/hako-escape")).doesNotExist();
                assertThat(Path.of("/tmp/hako-escape")).doesNotExist();
                assertThat(d.root().resolve("escape")).doesNotExist();
                assertThat(d.root().resolve("snapshots/escape")).doesNotExist();
            }
        }
    }

    @Test
    void concurrentPullsOfOneImageFetchEachLayerOnce() throws Exception {
        try (RegistryServer registry = RegistryServer.plain()) {
            TestImage img = TestImage.builder().layer(TestImage.busyboxLayer()).layer(new TarBuilder().file("a", "1"))
                    .layer(new TarBuilder().file("b", "2")).build();
            Push.image(new RegistryPusher(registry), "test/shared", "1", img);
            try (DaemonProcess d = DaemonProcess.withConfig("""
                    [image.registries."%s"]
                    insecure = true
                    """.formatted(registry.host())).start()) {
                ExecutorService pool = Executors.newFixedThreadPool(6);
                List<Future<String>> results = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    results.add(pool.submit((Callable<String>) () -> pull(d, registry.host() + "/test/shared:1")));
                }
                for (Future<String> f : results) {
                    assertThat(f.get()).isEqualTo(img.id());
                }
                pool.shutdown();
                for (byte[] blob : img.layerBlobs) {
                    String digest = Digest.sha256(blob).toString();
                    assertThat(d.log().lines().filter(l -> l.contains("msg=\"layer pulled\"") && l.contains(digest)))
                            .as("downloads of " + digest).hasSize(1);
                }
                assertThat(imageIds(d)).containsExactly(img.id());
            }
        }
    }

    @Test
    void importsOciLayoutAndDockerSaveTars() throws Exception {
        TestImage oci = TestImage.builder().layer(TestImage.busyboxLayer()).layer(new TarBuilder().file("from", "oci")).build();
        TestImage saved = TestImage.builder().layer(new TarBuilder().file("from", "docker")).user("1000:1000").build();
        try (DaemonProcess d = DaemonProcess.withConfig("").start()) {
            Path layout = d.dir().resolve("oci.tar");
            oci.writeOciLayout(layout, "example.com/air/gapped:1");
            Path save = d.dir().resolve("save.tar");
            saved.writeDockerSave(save, List.of("example.com/saved:1", "example.com/saved:latest"));
            HakoCommand.Result r = HakoCommand.run(d.dir(), "import", layout.toString(), "--socket", d.socket().toString());
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.output()).contains(oci.id()).contains("example.com/air/gapped:1");
            r = HakoCommand.run(d.dir(), "import", save.toString(), "--socket", d.socket().toString());
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.output()).contains(saved.id());
            assertThat(imageIds(d)).contains(oci.id(), saved.id());
            Image savedImage = d.image().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
                    .filter(i -> i.getId().equals(saved.id())).findFirst().orElseThrow();
            assertThat(savedImage.getRepoTagsList()).containsExactlyInAnyOrder("example.com/saved:1", "example.com/saved:latest");
            assertThat(savedImage.getUid().getValue()).isEqualTo(1000);
            // a pull of an imported name is answered locally when pinned by digest
            Image ociImage = d.image().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
                    .filter(i -> i.getId().equals(oci.id())).findFirst().orElseThrow();
            assertThat(ociImage.getRepoDigestsList()).containsExactly("example.com/air/gapped@" + oci.manifestDigest());
            HakoCommand.Result images = HakoCommand.run(d.dir(), "images", "--socket", d.socket().toString());
            assertThat(images.output()).contains("example.com/air/gapped").contains("example.com/saved");
        }
    }

    @Test
    void leftoversOfAnInterruptedRunAreCleanedAtStart() throws Exception {
        try (RegistryServer registry = RegistryServer.plain()) {
            TestImage img = small("kept");
            Push.image(new RegistryPusher(registry), "test/kept", "1", img);
            try (DaemonProcess d = DaemonProcess.withConfig("""
                    [image.registries."%s"]
                    insecure = true
                    """.formatted(registry.host())).start()) {
                pull(d, registry.host() + "/test/kept:1");
                d.process().destroyForcibly().waitFor(); // as a crash would
                // what a kill in the middle of a pull leaves: a partial download, a half-unpacked layer,
                // and a complete blob and layer no image record claims yet
                Files.writeString(d.root().resolve("content/ingest/partial"), "half");
                Path halfLayer = d.root().resolve("snapshots/tmp/x123/fs");
                Files.createDirectories(halfLayer);
                Files.writeString(halfLayer.resolve("file"), "half");
                Path orphanBlob = d.root().resolve("content/blobs/sha256").resolve("ab".repeat(32));
                Files.writeString(orphanBlob, "orphan");
                Path orphanLayer = d.root().resolve("snapshots/layers").resolve("cd".repeat(32)).resolve("fs");
                Files.createDirectories(orphanLayer);
                d.start();
                assertThat(imageIds(d)).containsExactly(img.id());
                assertThat(d.root().resolve("content/ingest/partial")).doesNotExist();
                assertThat(halfLayer).doesNotExist();
                long deadline = System.currentTimeMillis() + 10_000;
                while ((Files.exists(orphanBlob) || Files.exists(orphanLayer)) && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(orphanBlob).doesNotExist();
                assertThat(orphanLayer.getParent()).doesNotExist();
                // the image that was committed is intact and still pulls without work
                assertThat(pull(d, registry.host() + "/test/kept:1")).isEqualTo(img.id());
            }
        }
    }
}
