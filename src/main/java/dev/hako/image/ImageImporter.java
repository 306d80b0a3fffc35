package dev.hako.image;

import dev.hako.image.spec.Descriptor;
import dev.hako.image.spec.Digest;
import dev.hako.image.spec.ImageReference;
import dev.hako.image.spec.MediaTypes;
import dev.hako.image.spec.Platform;
import dev.hako.image.spec.ImageConfig;
import dev.hako.image.spec.ImageManifest;
import dev.hako.image.spec.ImageIndex;
import dev.hako.image.spec.JsonFields;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.log.Log;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Imports images from a tar file on the node: an OCI image layout ({@code oci-layout},
 * {@code index.json}, {@code blobs/}) or a {@code docker save} archive ({@code manifest.json}).
 * For air-gapped nodes, and for tests without a registry. Every blob is verified against its
 * digest, exactly as a pull would.
 */
final class ImageImporter {
    private static final Log LOG = Log.of("image");
    private static final String NAME_ANNOTATION = "io.containerd.image.name";
    private static final String REF_ANNOTATION = "org.opencontainers.image.ref.name";

    private final ImageService images;

    ImageImporter(ImageService images) {
        this.images = images;
    }

    record Imported(String id, List<String> names) {}

    List<Imported> importTar(Path tar) {
        if (!Files.isRegularFile(tar)) {
            throw HakoException.invalidArgument("path", tar + " is not a file");
        }
        Path dir = images.content().scratchDir("import-" + UUID.randomUUID());
        try {
            extract(tar, dir);
            List<Imported> out = Files.exists(dir.resolve("index.json")) ? fromOciLayout(dir) : fromDockerSave(dir);
            if (out.isEmpty()) {
                throw HakoException.invalidArgument("path", tar + " holds no image");
            }
            LOG.info("imported images", "path", tar, "images", out.size());
            return out;
        } catch (IOException e) {
            throw HakoException.invalidArgument("path", "cannot import " + tar + ": " + e.getMessage());
        } finally {
            images.content().deleteScratch(dir);
        }
    }

    /** Unpacks the outer archive: only plain files and directories, only inside {@code dir}. */
    private static void extract(Path tar, Path dir) throws IOException {
        List<String[]> links = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(tar);
             TarArchiveInputStream in = new TarArchiveInputStream(new java.io.BufferedInputStream(raw, 128 * 1024))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                Path target = inside(dir, e.getName());
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isSymbolicLink()) {
                    links.add(new String[] {e.getName(), e.getLinkName()});
                } else if (e.isFile()) {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        // docker save links duplicate layers to the first copy; resolve them as copies inside dir
        for (String[] link : links) {
            Path from = inside(dir, link[0]);
            Path to = from.getParent().resolve(link[1]).normalize();
            if (to.startsWith(dir) && Files.isRegularFile(to)) {
                Files.createDirectories(from.getParent());
                Files.copy(to, from, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static Path inside(Path dir, String name) throws IOException {
        String clean = name.startsWith("/") ? name.substring(1) : name;
        Path p = dir.resolve(clean).normalize();
        if (!p.startsWith(dir)) {
            throw new IOException("archive entry \"" + name + "\" points outside the archive");
        }
        return p;
    }

    private List<Imported> fromOciLayout(Path dir) throws IOException {
        List<Imported> out = new ArrayList<>();
        JsonFields index = JsonFields.parse(Files.readAllBytes(dir.resolve("index.json")), "index.json");
        List<Object> manifests = index.list("manifests");
        for (int i = 0; i < manifests.size(); i++) {
            JsonFields entry = JsonFields.of(manifests.get(i), "index.json.manifests[" + i + "]");
            Descriptor d = Descriptor.parse(entry);
            JsonFields annotations = entry.object("annotations");
            String name = annotations == null ? "" : annotations.string(NAME_ANNOTATION, "");
            if (name.isEmpty() && annotations != null) {
                String refName = annotations.string(REF_ANNOTATION, "");
                // a full reference is a name; a bare tag (as skopeo writes it) names nothing by itself
                if (refName.contains("/") || refName.contains(":")) {
                    name = refName;
                }
            }
            out.add(importManifest(dir, d, name));
        }
        return out;
    }

    private Imported importManifest(Path dir, Descriptor top, String name) throws IOException {
        Digest topDigest = top.digest();
        byte[] body = blob(dir, topDigest);
        Digest manifestDigest = topDigest;
        if (MediaTypes.isIndex(top.mediaType())) {
            images.content().put(body, topDigest);
            Descriptor chosen = ImageIndex.parse(body, "index " + topDigest).select(Platform.HOST, name);
            manifestDigest = chosen.digest();
            body = blob(dir, manifestDigest);
        }
        ImageManifest manifest = ImageManifest.parse(body, "manifest " + manifestDigest);
        byte[] configBody = blob(dir, manifest.config().digest());
        ImageConfig config = ImageConfig.parse(configBody, "config " + manifest.config().digest());
        List<Layer> layers = Puller.layersOf("manifest " + manifestDigest, manifest, config);
        return store(dir, name, true, topDigest, manifestDigest, body, manifest.config().digest(), configBody, config,
                layers, manifest.config().size());
    }

    /** {@code repoDigest}: whether {@code topDigest} is what a registry would serve, so worth a name@digest. */
    private Imported store(Path dir, String name, boolean repoDigest, Digest topDigest, Digest manifestDigest, byte[] manifestBody,
                           Digest configDigest, byte[] configBody, ImageConfig config, List<Layer> layers,
                           long configSize) throws IOException {
        for (Layer l : layers) {
            images.inUse().add(l.digest());
            images.inUse().add(l.chainId());
        }
        try {
            for (Layer l : layers) {
                images.layers().ensureFromFile(l, blobPath(dir, l.digest()));
            }
            images.content().put(configBody, configDigest);
            images.content().put(manifestBody, manifestDigest);
            List<String> names = new ArrayList<>();
            if (!name.isEmpty()) {
                ImageReference ref = ImageReference.parse(name, "image name in the archive");
                if (ref.tag() != null) {
                    names.add(ref.tagged());
                }
                if (repoDigest || ref.digest() != null) {
                    names.add(ref.withDigest(ref.digest() != null ? ref.digest() : topDigest));
                }
            }
            long size = configSize + layers.stream().mapToLong(Layer::size).sum();
            String id = images.record(names, manifestDigest, configDigest, config, layers, size);
            return new Imported(id, names);
        } finally {
            for (Layer l : layers) {
                images.inUse().remove(l.digest());
                images.inUse().remove(l.chainId());
            }
        }
    }

    private static Path blobPath(Path dir, Digest d) throws IOException {
        Path p = dir.resolve("blobs").resolve(d.algorithm()).resolve(d.hex());
        if (!Files.isRegularFile(p)) {
            throw new IOException("blob " + d + " is missing from the archive");
        }
        return p;
    }

    private static byte[] blob(Path dir, Digest d) throws IOException {
        byte[] body = Files.readAllBytes(blobPath(dir, d));
        if (!Digest.sha256(body).equals(d)) {
            throw new HakoException(HakoException.Kind.DATA_LOSS, "blob " + d + " in the archive has digest "
                    + Digest.sha256(body));
        }
        return body;
    }

    /** {@code docker save}: manifest.json lists config file, tags and uncompressed layer tars per image. */
    private List<Imported> fromDockerSave(Path dir) throws IOException {
        Path manifestFile = dir.resolve("manifest.json");
        if (!Files.exists(manifestFile)) {
            throw new IOException("neither index.json (OCI layout) nor manifest.json (docker save) in the archive");
        }
        Object parsed;
        try {
            parsed = Json.parse(Files.readString(manifestFile));
        } catch (IllegalArgumentException e) {
            throw new IOException("manifest.json: " + e.getMessage());
        }
        if (!(parsed instanceof List<?> entries)) {
            throw new IOException("manifest.json is not a list");
        }
        List<Imported> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            JsonFields e = JsonFields.of(entries.get(i), "manifest.json[" + i + "]");
            byte[] configBody = Files.readAllBytes(inside(dir, e.string("Config", "")));
            Digest configDigest = Digest.sha256(configBody);
            ImageConfig config = ImageConfig.parse(configBody, "config " + configDigest);
            List<Object> layerFiles = e.list("Layers");
            List<Map<String, Object>> descriptors = new ArrayList<>();
            Path blobs = dir.resolve("blobs/sha256");
            Files.createDirectories(blobs);
            for (Object lf : layerFiles) {
                Path file = inside(dir, String.valueOf(lf));
                Digest d = digestOf(file);
                Path asBlob = blobs.resolve(d.hex());
                if (!Files.exists(asBlob)) {
                    Files.move(file, asBlob);
                }
                Map<String, Object> desc = new LinkedHashMap<>();
                desc.put("mediaType", MediaTypes.OCI_LAYER);
                desc.put("digest", d.toString());
                desc.put("size", Files.size(asBlob));
                descriptors.add(desc);
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("schemaVersion", 2);
            m.put("mediaType", MediaTypes.OCI_MANIFEST);
            m.put("config", Map.of("mediaType", MediaTypes.OCI_CONFIG, "digest", configDigest.toString(),
                    "size", configBody.length));
            m.put("layers", descriptors);
            byte[] manifestBody = Json.write(m).getBytes(StandardCharsets.UTF_8);
            Digest manifestDigest = Digest.sha256(manifestBody);
            ImageManifest manifest = ImageManifest.parse(manifestBody, "generated manifest");
            List<Layer> layers = Puller.layersOf("manifest.json[" + i + "]", manifest, config);
            List<Object> tags = e.list("RepoTags");
            String first = tags.isEmpty() ? "" : String.valueOf(tags.getFirst());
            Imported imported = store(dir, first, false, manifestDigest, manifestDigest, manifestBody, configDigest, configBody,
                    config, layers, configBody.length);
            // further tags of the same image
            List<String> names = new ArrayList<>(imported.names());
            for (Object t : tags.subList(Math.min(1, tags.size()), tags.size())) {
                ImageReference ref = ImageReference.parse(String.valueOf(t), "RepoTags");
                names.add(ref.tagged());
                images.record(List.of(ref.tagged()), manifestDigest, configDigest, config, layers,
                        configBody.length + layers.stream().mapToLong(Layer::size).sum());
            }
            out.add(new Imported(imported.id(), names));
        }
        return out;
    }

    private static Digest digestOf(Path file) throws IOException {
        java.security.MessageDigest md = Digest.newSha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[128 * 1024];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return Digest.ofSha256(md);
    }
}
