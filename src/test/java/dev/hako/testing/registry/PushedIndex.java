package dev.hako.testing.registry;

import dev.hako.image.spec.Digest;
import dev.hako.image.spec.MediaTypes;
import dev.hako.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * A tiny multi-platform image as {@link #push} puts it in a registry: for linux/amd64 and
 * linux/arm64 one gzip'd tar layer (a file {@code hello.txt} naming the architecture), a config
 * and an OCI manifest, tagged {@code <tag>-<arch>}; and an OCI index over both, tagged {@code <tag>}.
 *
 * @param content every pushed blob and manifest by digest
 */
public record PushedIndex(String repo, String tag, Digest index, List<Platform> platforms, Map<Digest, byte[]> content) {
    /** @param diffId digest of the uncompressed layer tar, as the config's rootfs lists it */
    public record Platform(String architecture, Digest manifest, Digest config, Digest layer, Digest diffId) {}

    public static final List<String> ARCHITECTURES = List.of("amd64", "arm64");

    public static PushedIndex push(RegistryPusher pusher, String repo, String tag) {
        Map<Digest, byte[]> content = new LinkedHashMap<>();
        List<Platform> platforms = new ArrayList<>();
        List<Object> entries = new ArrayList<>();
        for (String arch : ARCHITECTURES) {
            byte[] tar = tar("hello.txt", ("hello from " + arch + "\n").getBytes(StandardCharsets.UTF_8));
            byte[] layer = gzip(tar);
            Digest diffId = Digest.sha256(tar);
            byte[] config = Json.write(obj("architecture", arch, "os", "linux",
                    "config", obj("Cmd", List.of("/bin/sh")),
                    "rootfs", obj("type", "layers", "diff_ids", List.of(diffId.toString())))).getBytes(StandardCharsets.UTF_8);
            Digest layerDigest = pusher.pushBlob(repo, layer);
            Digest configDigest = pusher.pushBlob(repo, config);
            content.put(layerDigest, layer);
            content.put(configDigest, config);
            byte[] manifest = Json.write(obj("schemaVersion", 2, "mediaType", MediaTypes.OCI_MANIFEST,
                    "config", descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length),
                    "layers", List.of(descriptor(MediaTypes.OCI_LAYER_GZIP, layerDigest, layer.length))))
                    .getBytes(StandardCharsets.UTF_8);
            Digest manifestDigest = pusher.pushManifest(repo, tag + "-" + arch, MediaTypes.OCI_MANIFEST, manifest);
            content.put(manifestDigest, manifest);
            Map<String, Object> entry = descriptor(MediaTypes.OCI_MANIFEST, manifestDigest, manifest.length);
            entry.put("platform", obj("architecture", arch, "os", "linux"));
            entries.add(entry);
            platforms.add(new Platform(arch, manifestDigest, configDigest, layerDigest, diffId));
        }
        byte[] index = Json.write(obj("schemaVersion", 2, "mediaType", MediaTypes.OCI_INDEX, "manifests", entries))
                .getBytes(StandardCharsets.UTF_8);
        Digest indexDigest = pusher.pushManifest(repo, tag, MediaTypes.OCI_INDEX, index);
        content.put(indexDigest, index);
        return new PushedIndex(repo, tag, indexDigest, List.copyOf(platforms), Map.copyOf(content));
    }

    public Platform platform(String architecture) {
        return platforms.stream().filter(p -> p.architecture.equals(architecture)).findFirst().orElseThrow();
    }

    public byte[] bytes(Digest d) {
        return content.get(d);
    }

    private static Map<String, Object> descriptor(String mediaType, Digest digest, long size) {
        return obj("mediaType", mediaType, "digest", digest.toString(), "size", size);
    }

    private static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private static byte[] tar(String name, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(data.length);
            e.setMode(0644);
            e.setModTime(0);
            tar.putArchiveEntry(e);
            tar.write(data);
            tar.closeArchiveEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GzipCompressorOutputStream gz = new GzipCompressorOutputStream(out)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
