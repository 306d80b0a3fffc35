package dev.hako.image;

import dev.hako.image.spec.Digest;
import dev.hako.image.spec.Platform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.Image;
import dev.hako.cri.v1.ImageFilter;
import dev.hako.cri.v1.ImageFsInfoRequest;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.ImageStatusRequest;
import dev.hako.cri.v1.ImageStatusResponse;
import dev.hako.cri.v1.ListImagesRequest;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.cri.v1.RemoveImageRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.image.Push;
import dev.hako.testing.image.TarBuilder;
import dev.hako.testing.image.TestImage;
import dev.hako.testing.registry.RegistryPusher;
import dev.hako.testing.registry.RegistryServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PullImage and friends through the real daemon, from a real docker-registry on 127.0.0.1 serving
 * images these tests build from Debian's busybox-static.
 */
class ImagePullIT {
    static RegistryServer registry;
    static DaemonProcess daemon;
    static TestImage busybox;
    static TestImage app;
    static TestImage armOnly;
    static Digest busyboxDigest;
    static String host;
    /** An architecture this node does not run. */
    static final String FOREIGN = Platform.HOST.architecture().equals("arm64") ? "amd64" : "arm64";
    static TestImage foreign;

    @BeforeAll
    static void setUp() throws Exception {
        registry = RegistryServer.plain();
        host = registry.host();
        RegistryPusher pusher = new RegistryPusher(registry);
        busybox = TestImage.builder().layer(TestImage.busyboxLayer()).user("1000").build();
        busyboxDigest = Push.image(pusher, "test/busybox", "1", busybox);
        Push.image(pusher, "test/busybox", "also", busybox);
        app = TestImage.builder()
                .layer(TestImage.busyboxLayer().file("etc/gone", "x").dir("data").file("data/old", "old"))
                .layer(new TarBuilder().whiteout("etc", "gone").opaque("data").file("data/new", "new")
                        .symlink("etc/link", "/bin/busybox").file("data/orig", "same").hardlink("data/hard", "data/orig"))
                .user("nobody")
                .build();
        TestImage appArm = TestImage.builder().layer(new TarBuilder().file("arch", "arm64")).architecture("arm64").build();
        Push.index(pusher, "test/multi", "1", appArm, app);
        armOnly = appArm;
        Push.index(pusher, "test/armonly", "1", appArm);
        foreign = TestImage.builder().layer(new TarBuilder().file("arch", FOREIGN)).architecture(FOREIGN).build();
        Push.image(pusher, "test/foreign", "1", foreign);
        daemon = DaemonProcess.withConfig("""
                [runtime]
                pause_image = "%s/test/busybox:1"
                [image.registries."%s"]
                insecure = true
                """.formatted(host, host)).start();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    static String pull(String ref) {
        return daemon.image().pullImage(PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(ref)).build()).getImageRef();
    }

    static ImageStatusResponse status(String ref, boolean verbose) {
        return daemon.image().imageStatus(ImageStatusRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(ref)).setVerbose(verbose).build());
    }

    static void remove(String ref) {
        daemon.image().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
    }

    static Path layerDir(String chainId) {
        return daemon.root().resolve("snapshots/layers").resolve(chainId.substring(7)).resolve("fs");
    }

    @Test
    void pullByTagRecordsEverythingTheKubeletReads() {
        String ref = host + "/test/busybox:1";
        assertThat(pull(ref)).isEqualTo(busybox.id());
        Image image = status(ref, false).getImage();
        assertThat(image.getId()).isEqualTo(busybox.id());
        assertThat(image.getRepoTagsList()).contains(ref, host + "/test/busybox:1");
        assertThat(image.getRepoDigestsList()).contains(host + "/test/busybox@" + busyboxDigest);
        long size = busybox.config.length + busybox.layerBlobs.stream().mapToLong(b -> b.length).sum();
        assertThat(image.getSize()).isEqualTo(size);
        assertThat(image.getUid().getValue()).isEqualTo(1000);
        assertThat(image.getPinned()).isTrue(); // it is the configured pause image
        assertThat(daemon.image().listImages(ListImagesRequest.getDefaultInstance()).getImagesList())
                .extracting(Image::getId).contains(busybox.id());
        String info = status(ref, true).getInfoOrThrow("info");
        assertThat(info).contains("\"imageSpec\"").contains("\"diff_ids\"").contains("\"chainIDs\"");
        assertThat(daemon.image().imageFsInfo(ImageFsInfoRequest.getDefaultInstance()).getImageFilesystems(0))
                .satisfies(fs -> {
                    assertThat(fs.getFsId().getMountpoint()).isEqualTo(daemon.root().toString());
                    assertThat(fs.getUsedBytes().getValue()).isGreaterThan(size);
                    assertThat(fs.getInodesUsed().getValue()).isGreaterThan(5);
                    assertThat(fs.getTimestamp()).isGreaterThan(0);
                });
    }

    @Test
    void pullByDigestNeedsNoRegistryOnceThere() throws Exception {
        TestImage own = TestImage.builder().layer(new TarBuilder().file("only-here", "1")).build();
        String byDigest;
        try (RegistryServer gone = RegistryServer.plain()) {
            Digest d = Push.image(new RegistryPusher(gone), "test/once", "1", own);
            byDigest = gone.host() + "/test/once@" + d;
            try (DaemonProcess d2 = DaemonProcess.withConfig("""
                    [image.registries."%s"]
                    insecure = true
                    """.formatted(gone.host())).start()) {
                PullImageRequest req = PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(byDigest)).build();
                assertThat(d2.image().pullImage(req).getImageRef()).isEqualTo(own.id());
                gone.close(); // the registry is gone: a pull by digest is answered from the store
                assertThat(d2.image().pullImage(req).getImageRef()).isEqualTo(own.id());
                assertThat(d2.image().imageStatus(ImageStatusRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(byDigest)).build()).getImage().getId()).isEqualTo(own.id());
            }
        }
    }

    @Test
    void indexPicksTheHostPlatformAndUnpacksLayersInOverlayForm() throws Exception {
        String ref = host + "/test/multi:1";
        assertThat(pull(ref)).isEqualTo(app.id());
        Image image = status(ref, false).getImage();
        assertThat(image.getUsername()).isEqualTo("nobody");
        String info = status(ref, true).getInfoOrThrow("info");
        String top = info.substring(info.indexOf("\"chainIDs\":[") + 12).split("\"")[3];
        Path upper = layerDir(top);
        // whiteout → char device 0:0, opaque dir → xattr, symlink and hard link kept
        Path gone = upper.resolve("etc/gone");
        assertThat(Files.exists(gone, LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.getAttribute(gone, "unix:mode", LinkOption.NOFOLLOW_LINKS)).satisfies(
                m -> assertThat(((Integer) m) & 0170000).isEqualTo(0020000));
        assertThat(Files.getAttribute(gone, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0L);
        assertThat(Files.readSymbolicLink(upper.resolve("etc/link")).toString()).isEqualTo("/bin/busybox");
        assertThat(Files.exists(upper.resolve("data/.wh..wh..opq"))).isFalse();
        assertThat(upper.resolve("data/new")).hasContent("new");
        assertThat(Files.getAttribute(upper.resolve("data/hard"), "unix:ino"))
                .isEqualTo(Files.getAttribute(upper.resolve("data/orig"), "unix:ino"));
    }

    @Test
    void anIndexWithoutTheHostPlatformIsNotFoundAndNamesWhatItOffers() {
        assertThatThrownBy(() -> pull(host + "/test/armonly:1"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.getStatus().getDescription()).contains("linux/amd64").contains("linux/arm64/v8");
                });
    }

    @Test
    void aSingleManifestImageForAnotherArchitectureIsRefusedNamingBothPlatforms() throws Exception {
        assertThatThrownBy(() -> pull(host + "/test/foreign:1"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription())
                            .contains("image " + host + "/test/foreign:1 is for platform linux/" + FOREIGN)
                            .contains("this node is " + Platform.HOST)
                            .contains("allow_foreign_platforms");
                });
        assertThat(status(host + "/test/foreign:1", false).hasImage()).isFalse();
        // a single manifest for this node's own platform is pulled as ever
        assertThat(pull(host + "/test/busybox:1")).isEqualTo(busybox.id());
        try (DaemonProcess lenient = DaemonProcess.withConfig("""
                [image]
                allow_foreign_platforms = true
                [image.registries."%s"]
                insecure = true
                """.formatted(host)).start()) {
            assertThat(lenient.image().pullImage(PullImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(host + "/test/foreign:1")).build()).getImageRef())
                    .isEqualTo(foreign.id());
        }
    }

    @Test
    void unknownImagesAndTagsAreNotFound() {
        assertThatThrownBy(() -> pull(host + "/test/busybox:nope"))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        assertThat(status(host + "/test/nothing:1", false).hasImage()).isFalse();
    }

    @Test
    void malformedReferencesAreInvalidArgumentNamingThem() {
        assertThatThrownBy(() -> pull("Busybox/UPPER:1"))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).contains("Busybox/UPPER:1").contains("lowercase");
                });
        assertThatThrownBy(() -> pull(host + "/test/busybox@sha256:abc"))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }

    @Test
    void removeByTagDigestAndId() {
        String one = host + "/test/busybox:1";
        String also = host + "/test/busybox:also";
        pull(one);
        pull(also);
        assertThat(status(one, false).getImage().getRepoTagsList()).containsExactlyInAnyOrder(one, also);
        remove(also); // one of two tags: only the tag goes
        assertThat(status(one, false).getImage().getRepoTagsList()).containsExactly(one);
        assertThat(status(also, false).hasImage()).isFalse();
        remove(host + "/test/busybox@" + busyboxDigest); // a digest reference removes the image
        assertThat(status(one, false).hasImage()).isFalse();
        pull(one);
        remove(busybox.id()); // and so does its ID
        assertThat(daemon.image().listImages(ListImagesRequest.getDefaultInstance()).getImagesList())
                .extracting(Image::getId).doesNotContain(busybox.id());
        remove(host + "/test/never:1"); // unknown: not an error
        remove("sha256:" + "0".repeat(64));
        pull(one); // the others rely on it
    }

    @Test
    void listImagesFiltersByReference() {
        pull(host + "/test/busybox:1");
        List<Image> filtered = daemon.image().listImages(ListImagesRequest.newBuilder()
                .setFilter(ImageFilter.newBuilder().setImage(ImageSpec.newBuilder().setImage(host + "/test/busybox:1")))
                .build()).getImagesList();
        assertThat(filtered).extracting(Image::getId).containsExactly(busybox.id());
    }

    static List<String> names(Image i) {
        return i.getRepoTagsList();
    }
}
