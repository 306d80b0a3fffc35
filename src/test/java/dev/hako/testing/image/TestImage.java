package dev.hako.testing.image;

import dev.hako.image.spec.Digest;
import dev.hako.image.spec.MediaTypes;
import dev.hako.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A small OCI image built in memory: layers (gzip), config, manifest — ready to push to a registry
 * or to write as an OCI-layout or docker-save tar.
 */
public final class TestImage {
    public final List<byte[]> layerTars;        // uncompressed
    public final List<byte[]> layerBlobs;       // as pushed (gzip)
    public final byte[] config;
    public final byte[] manifest;
    public final String architecture;

    private TestImage(List<byte[]> tars, List<byte[]> blobs, byte[] config, byte[] manifest, String architecture) {
        this.layerTars = tars;
        this.layerBlobs = blobs;
        this.config = config;
        this.manifest = manifest;
        this.architecture = architecture;
    }

    /** The image ID a runtime reports: the config digest. */
    public String id() {
        return Digest.sha256(config).toString();
    }

    public Digest manifestDigest() {
        return Digest.sha256(manifest);
    }

    /** busybox-static as /bin/busybox with a few applet links, /etc/passwd and /etc/group: a runnable base layer. */
    public static TarBuilder busyboxLayer() {
        TarBuilder t = new TarBuilder().dir("bin").dir("etc").dir("tmp")
                .hostFile("bin/busybox", Path.of("/bin/busybox"), 0755);
        for (String applet : List.of("sh", "ls", "cat", "echo", "sleep", "id", "true", "hostname", "grep", "touch",
                "ping", "wget", "httpd", "ip", "mkdir")) {
            t.symlink("bin/" + applet, "busybox");
        }
        return t.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
                .file("etc/group", "root:x:0:\nnogroup:x:65534:\napp:x:1000:\n");
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private final List<byte[]> tars = new ArrayList<>();
        private String user = "";
        private String architecture = dev.hako.image.spec.Platform.HOST.architecture();

        public Builder layer(TarBuilder tar) {
            tars.add(tar.bytes());
            return this;
        }

        public Builder layer(byte[] tar) {
            tars.add(tar);
            return this;
        }

        public Builder user(String user) {
            this.user = user;
            return this;
        }

        public Builder architecture(String arch) {
            this.architecture = arch;
            return this;
        }

        public TestImage build() {
            List<byte[]> blobs = new ArrayList<>();
            List<Object> layerDescs = new ArrayList<>();
            List<Object> diffIds = new ArrayList<>();
            for (byte[] tar : tars) {
                byte[] gz = TarBuilder.gzip(tar);
                blobs.add(gz);
                layerDescs.add(descriptor(MediaTypes.OCI_LAYER_GZIP, gz));
                diffIds.add(Digest.sha256(tar).toString());
            }
            Map<String, Object> cfg = new LinkedHashMap<>();
            cfg.put("architecture", architecture);
            cfg.put("os", "linux");
            cfg.put("config", Map.of("User", user, "Env", List.of("PATH=/bin"), "Cmd", List.of("/bin/sh")));
            cfg.put("rootfs", Map.of("type", "layers", "diff_ids", diffIds));
            byte[] config = Json.write(cfg).getBytes(StandardCharsets.UTF_8);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("schemaVersion", 2);
            m.put("mediaType", MediaTypes.OCI_MANIFEST);
            m.put("config", descriptor(MediaTypes.OCI_CONFIG, config));
            m.put("layers", layerDescs);
            return new TestImage(List.copyOf(tars), blobs, config, Json.write(m).getBytes(StandardCharsets.UTF_8), architecture);
        }
    }

    static Map<String, Object> descriptor(String mediaType, byte[] content) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mediaType", mediaType);
        d.put("digest", Digest.sha256(content).toString());
        d.put("size", content.length);
        return d;
    }

    /** An OCI index over several images, each entry with its platform. */
    public static byte[] index(TestImage... images) {
        List<Object> manifests = new ArrayList<>();
        for (TestImage i : images) {
            Map<String, Object> d = descriptor(MediaTypes.OCI_MANIFEST, i.manifest);
            Map<String, Object> platform = new LinkedHashMap<>();
            platform.put("architecture", i.architecture);
            platform.put("os", "linux");
            if (i.architecture.equals("arm64")) {
                platform.put("variant", "v8");
            }
            d.put("platform", platform);
            manifests.add(d);
        }
        Map<String, Object> idx = new LinkedHashMap<>();
        idx.put("schemaVersion", 2);
        idx.put("mediaType", MediaTypes.OCI_INDEX);
        idx.put("manifests", manifests);
        return Json.write(idx).getBytes(StandardCharsets.UTF_8);
    }

    /** Writes this image as an OCI image layout tar; {@code name} (a full reference) goes in the index annotation. */
    public void writeOciLayout(Path tarFile, String name) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(tarFile))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            put(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            Map<String, Object> d = descriptor(MediaTypes.OCI_MANIFEST, manifest);
            d.put("annotations", Map.of("io.containerd.image.name", name, "org.opencontainers.image.ref.name",
                    name.substring(name.lastIndexOf(':') + 1)));
            put(tar, "index.json", Json.write(Map.of("schemaVersion", 2, "manifests", List.of(d)))
                    .getBytes(StandardCharsets.UTF_8));
            putBlob(tar, config);
            putBlob(tar, manifest);
            for (byte[] b : layerBlobs) {
                putBlob(tar, b);
            }
        }
    }

    /** Writes this image as a legacy {@code docker save} tar (uncompressed layer tars, manifest.json). */
    public void writeDockerSave(Path tarFile, List<String> repoTags) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(tarFile))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            String configName = Digest.sha256(config).hex() + ".json";
            put(tar, configName, config);
            List<String> layerNames = new ArrayList<>();
            for (int i = 0; i < layerTars.size(); i++) {
                String n = "layer" + i + "/layer.tar";
                put(tar, n, layerTars.get(i));
                layerNames.add(n);
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("Config", configName);
            entry.put("RepoTags", repoTags);
            entry.put("Layers", layerNames);
            put(tar, "manifest.json", Json.write(List.of(entry)).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void putBlob(TarArchiveOutputStream tar, byte[] data) throws IOException {
        put(tar, "blobs/sha256/" + Digest.sha256(data).hex(), data);
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setMode(0644);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }
}
