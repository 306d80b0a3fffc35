package dev.hako.image;

import dev.hako.image.spec.Digest;
import dev.hako.image.spec.MediaTypes;
import dev.hako.image.spec.Platform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.json.Json;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.image.TarBuilder;
import dev.hako.testing.image.TestImage;
import dev.hako.testing.registry.HostileRegistry;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PullImage through the real daemon against a registry stand-in that attacks the download: an
 * endless body, a Content-Length beyond the descriptor, a gzip bomb, a body (and a config) trickled
 * a byte at a time. Each pull must fail with a status that says what happened, leave nothing in the
 * content store's ingest directory or the snapshot store's temp directory, and keep the disk use
 * bounded; the daemon then still pulls a well-behaved image.
 */
class HostileRegistryPullIT {
    private static final long DECLARED = 1 << 20;
    /** What the stand-in sends at most of an "endless" body, so a client without bounds cannot fill this machine's disk. */
    private static final long SAFETY = 256L << 20;
    private static final long CAP = 32L << 20;
    private static final long BOMB = 512L << 20;
    private static final long PEAK_ALLOWED = 96L << 20;

    static HostileRegistry registry;
    static DaemonProcess daemon;
    static TestImage good;

    @BeforeAll
    static void setUp() throws Exception {
        registry = HostileRegistry.plain();
        good = TestImage.builder().layer(new TarBuilder().file("ok", "fine")).build();
        serve("test/good", good.manifest, good.config, good.layerBlobs.getFirst());

        byte[] endlessConfig = config(zeroDigest());
        String endlessManifest = manifest(endlessConfig, "application/vnd.oci.image.layer.v1.tar", DECLARED, zeroDigest());
        registry.manifest("test/endless", "1", dev.hako.image.spec.MediaTypes.OCI_MANIFEST, endlessManifest.getBytes(StandardCharsets.UTF_8));
        registry.blob("test/endless", endlessConfig);
        registry.blob("test/endless", Digest.parse(zeroDigest(), "d"), (q, r) -> endless(r.head(200,
                "Content-Type", "application/octet-stream")));

        registry.manifest("test/biglength", "1", dev.hako.image.spec.MediaTypes.OCI_MANIFEST, endlessManifest.getBytes(StandardCharsets.UTF_8));
        registry.blob("test/biglength", endlessConfig);
        registry.blob("test/biglength", Digest.parse(zeroDigest(), "d"), (q, r) -> endless(r.head(200,
                "Content-Type", "application/octet-stream", "Content-Length", Long.toString(10L << 30))));

        Bomb bomb = bomb();
        byte[] bombConfig = config(bomb.diffId);
        serve("test/bomb", manifest(bombConfig, dev.hako.image.spec.MediaTypes.OCI_LAYER_GZIP, bomb.blob.length,
                Digest.sha256(bomb.blob).toString()).getBytes(StandardCharsets.UTF_8), bombConfig, bomb.blob);

        byte[] noise = new byte[3000];
        new java.util.Random(13).nextBytes(noise); // incompressible: the gzip'd layer stays ~3 KB, ~25 min at 2 bytes/s
        TestImage slow = TestImage.builder().layer(new TarBuilder().file("slow", noise, 0644)).build();
        byte[] slowLayer = slow.layerBlobs.getFirst();
        registry.manifest("test/trickle", "1", dev.hako.image.spec.MediaTypes.OCI_MANIFEST, slow.manifest);
        registry.blob("test/trickle", slow.config);
        registry.blob("test/trickle", Digest.sha256(slowLayer), (q, r) -> trickle(r, slowLayer));

        TestImage slowConfig = TestImage.builder().layer(new TarBuilder().file("slow-config", "y")).build();
        registry.manifest("test/tricklecfg", "1", dev.hako.image.spec.MediaTypes.OCI_MANIFEST, slowConfig.manifest);
        registry.blob("test/tricklecfg", Digest.sha256(slowConfig.config), (q, r) -> trickle(r, slowConfig.config));
        registry.blob("test/tricklecfg", slowConfig.layerBlobs.getFirst());

        daemon = DaemonProcess.withConfig("""
                [image]
                max_layer_uncompressed_bytes = %d
                download_timeout = "5s"
                [image.registries."%s"]
                insecure = true
                """.formatted(CAP, registry.host())).start();
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

    @AfterEach
    void nothingLeftBehindAndTheDaemonStillPulls() throws IOException {
        assertThat(entries(daemon.root().resolve("content/ingest"))).isEmpty();
        assertThat(entries(daemon.root().resolve("snapshots/tmp"))).isEmpty();
        assertThat(pull(registry.host() + "/test/good:1")).isEqualTo(good.id());
    }

    @Test
    void anEndlessBodyStopsJustPastTheDescriptorsSize() throws Exception {
        StatusRuntimeException e = failedPull("test/endless:1");
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);
        assertThat(e.getStatus().getDescription()).contains("downloading layer sha256:" + "0".repeat(64))
                .contains("sent more than the " + DECLARED + " bytes the descriptor declares");
        // socket buffers hold a few MiB at most; a client reading on would have taken all 256 MiB
        assertThat(registry.bodyBytesSent()).isLessThan(64L << 20);
    }

    @Test
    void aContentLengthBeyondTheDescriptorIsRefusedBeforeReading() throws Exception {
        long before = registry.bodyBytesSent();
        StatusRuntimeException e = failedPull("test/biglength:1");
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DATA_LOSS);
        assertThat(e.getStatus().getDescription())
                .contains("Content-Length " + (10L << 30) + " is larger than the " + DECLARED + " bytes the descriptor declares");
        assertThat(registry.bodyBytesSent() - before).isLessThan(64L << 20);
    }

    @Test
    void aGzipBombStopsAtTheUncompressedCapAndTheDiskStaysBounded() throws Exception {
        AtomicLong peak = new AtomicLong();
        AtomicBoolean done = new AtomicBoolean();
        Thread sampler = Thread.ofVirtual().start(() -> {
            while (!done.get()) {
                peak.accumulateAndGet(bytesUnder(daemon.root()), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        StatusRuntimeException e;
        try {
            e = failedPull("test/bomb:1");
        } finally {
            done.set(true);
            sampler.join();
        }
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(e.getStatus().getDescription()).contains("unpacks to more than " + CAP + " bytes")
                .contains("max_layer_uncompressed_bytes");
        assertThat(peak.get()).as("bytes under the daemon's root during the pull").isLessThan(PEAK_ALLOWED);
    }

    @Test
    void aTrickledLayerFailsAtItsDeadlineNotNever() throws Exception {
        long started = System.nanoTime();
        StatusRuntimeException e = failedPull("test/trickle:1");
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(e.getStatus().getDescription()).contains("downloading layer").contains("did not deliver it within 5s");
        // well before the 60 s stall watchdog could have fired (it never would: a byte comes every 0.5 s)
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started)).isLessThan(45);
    }

    @Test
    void aTrickledConfigFailsAtItsDeadline() throws Exception {
        StatusRuntimeException e = failedPull("test/tricklecfg:1");
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(e.getStatus().getDescription()).contains("downloading config").contains("did not deliver it within 5s");
    }

    static String pull(String ref) {
        return daemon.image().withDeadlineAfter(120, TimeUnit.SECONDS).pullImage(PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(ref)).build()).getImageRef();
    }

    static StatusRuntimeException failedPull(String repoAndTag) {
        try {
            pull(registry.host() + "/" + repoAndTag);
        } catch (StatusRuntimeException e) {
            return e;
        }
        return fail("pulling " + repoAndTag + " succeeded");
    }

    private static void serve(String repo, byte[] manifest, byte[] config, byte[] layer) {
        registry.manifest(repo, "1", dev.hako.image.spec.MediaTypes.OCI_MANIFEST, manifest);
        registry.blob(repo, config);
        registry.blob(repo, layer);
    }

    /** A tar header promising a 4 GiB file, then zeros until the client hangs up (or {@link #SAFETY}). */
    private static void endless(OutputStream body) throws IOException {
        body.write(tarHeader("big", 4L << 30));
        byte[] zeros = new byte[64 * 1024];
        for (long sent = 0; sent < SAFETY; sent += zeros.length) {
            body.write(zeros);
        }
    }

    /** The declared length, then one byte every half second. */
    private static void trickle(HostileRegistry.Response r, byte[] body) throws IOException {
        OutputStream out = r.head(200, "Content-Type", "application/octet-stream", "Content-Length", Integer.toString(body.length));
        for (byte b : body) {
            out.write(b);
            out.flush();
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private record Bomb(byte[] blob, String diffId) {}

    /** A gzip'd tar holding {@link #BOMB} zero bytes in one file: about 1/1000 of that compressed. */
    private static Bomb bomb() throws Exception {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (GZIPOutputStream gz = new GZIPOutputStream(compressed, 64 * 1024) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION);
            }
        }; DigestOutputStream tar = new DigestOutputStream(gz, sha)) {
            tar.write(tarHeader("zeros", BOMB));
            byte[] zeros = new byte[1 << 20];
            for (long n = 0; n < BOMB; n += zeros.length) {
                tar.write(zeros);
            }
            tar.write(new byte[1024]); // the end-of-archive marker
        }
        return new Bomb(compressed.toByteArray(), "sha256:" + java.util.HexFormat.of().formatHex(sha.digest()));
    }

    private static byte[] tarHeader(String name, long size) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(size);
            e.setMode(0644);
            tar.putArchiveEntry(e);
            tar.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String zeroDigest() {
        return "sha256:" + "0".repeat(64);
    }

    private static byte[] config(String diffId) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("architecture", Platform.HOST.architecture());
        cfg.put("os", "linux");
        cfg.put("config", Map.of("Cmd", List.of("/bin/sh")));
        cfg.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(diffId)));
        return Json.write(cfg).getBytes(StandardCharsets.UTF_8);
    }

    private static String manifest(byte[] config, String layerType, long layerSize, String layerDigest) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schemaVersion", 2);
        m.put("mediaType", dev.hako.image.spec.MediaTypes.OCI_MANIFEST);
        m.put("config", Map.of("mediaType", dev.hako.image.spec.MediaTypes.OCI_CONFIG, "digest",
                Digest.sha256(config).toString(), "size", config.length));
        m.put("layers", List.of(Map.of("mediaType", layerType, "digest", layerDigest, "size", layerSize)));
        return Json.write(m);
    }

    private static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    private static long bytesUnder(Path root) {
        long[] total = {0};
        try (Stream<Path> s = Files.walk(root)) {
            s.forEach(p -> {
                try {
                    if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        total[0] += Files.size(p);
                    }
                } catch (IOException e) {
                    // vanished while walking
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a directory vanished while walking; the next sample counts again
        }
        return total[0];
    }
}
