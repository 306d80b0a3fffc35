package dev.hako.container;

import dev.hako.config.HakoConfig;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.log.Log;
import dev.hako.pod.LogPaths;
import dev.hako.pod.Pod;
import dev.hako.sys.FileTrees;
import dev.hako.sys.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where containers live on disk: the OCI bundle ({@code <state>/containers/<id>}: config.json, the
 * rootfs mount point, the log unless the pod names one) and the writable layer
 * ({@code <root>/containers/<id>}: overlay upper and work). Both trees are 0700.
 */
final class ContainerBundles {
    private static final Log LOG = Log.of("container");

    private final Path bundles;
    private final Path layers;
    private final Path podLogRoot;

    /** Creates both parent directories (0700) if missing; INTERNAL when it cannot. */
    ContainerBundles(HakoConfig config) {
        this.bundles = config.state().resolve("containers");
        this.layers = config.root().resolve("containers");
        this.podLogRoot = config.runtime().podLogRoot();
        try {
            // bundles hold config.json (the environment) and the rootfs mount; layers the writable layers,
            // where a container's root may leave a setuid binary: no host user may reach into either
            PrivateFiles.directory(bundles);
            PrivateFiles.directory(layers);
        } catch (IOException e) {
            throw HakoException.internal("cannot create " + bundles + " and " + layers + ": " + e.getMessage(), e);
        }
    }

    /** The OCI bundle directory of container {@code id}. */
    Path bundle(String id) {
        return bundles.resolve(id);
    }

    /** The directory of container {@code id}'s writable layer (upper and work inside). */
    Path layer(String id) {
        return layers.resolve(id);
    }

    /** The rootfs mount point in {@code bundle}. */
    static Path rootfs(Path bundle) {
        return bundle.resolve("rootfs");
    }

    /** The runtime spec in {@code bundle}. */
    static Path specFile(Path bundle) {
        return bundle.resolve("config.json");
    }

    /** Makes the bundle and layer directories of container {@code id}, 0700. */
    void createDirectories(String id) throws IOException {
        PrivateFiles.createDirectory(bundle(id));
        // upper and work go inside: the rootfs's own mode comes from upper, this one only shuts out host users
        PrivateFiles.createDirectory(layer(id));
    }

    /** Mounts the overlay of {@code lowers} and container {@code id}'s writable layer at its rootfs. */
    void mountRootfs(String id, List<Path> lowers) throws IOException {
        Rootfs.mount(lowers, layer(id).resolve("upper"), layer(id).resolve("work"), rootfs(bundle(id)));
    }

    /** Writes config.json (0600: it holds the container's environment). */
    static void writeSpec(Path bundle, Map<String, Object> spec) throws IOException {
        PrivateFiles.writeString(specFile(bundle), Json.write(spec));
    }

    /** Unmounts the rootfs in {@code bundle}, if mounted. */
    static void unmountRootfs(Path bundle) {
        Rootfs.unmount(rootfs(bundle));
    }

    /** Deletes {@code bundle} and container {@code id}'s writable layer; failures are logged. */
    void delete(String id, Path bundle) {
        deleteTree(bundle);
        deleteTree(layer(id));
    }

    /** The CRI log, confined to the pod's log directory under {@code runtime.pod_log_root}; else one in the bundle. */
    Path logPath(Pod pod, ContainerConfig cfg, Path bundle) {
        Path p = LogPaths.containerLog(pod.config().getLogDirectory(), cfg.getLogPath(), podLogRoot);
        return p != null ? p : bundle.resolve("container.log");
    }

    /** The container's config.json as written at create; empty when it cannot be read. */
    static byte[] spec(Container c) {
        try {
            return Files.readAllBytes(specFile(c.bundle()));
        } catch (IOException e) {
            return new byte[0];
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> specTree(Container c) {
        return (Map<String, Object>) Json.parse(new String(spec(c), StandardCharsets.UTF_8));
    }

    /** The image's stop signal, as the spec's annotations carry it; empty when none (or no spec). */
    static String stopSignalOfImage(Container c) {
        try {
            Object cfg = Json.parseObject(new String(spec(c), StandardCharsets.UTF_8)).get("annotations");
            if (cfg instanceof Map<?, ?> m && m.get("org.opencontainers.image.stopSignal") instanceof String s) {
                return s;
            }
        } catch (RuntimeException e) {
            // no spec: default signal
        }
        return "";
    }

    /** Bundles, mounts and writable layers whose container record is gone (a crash in the middle of a removal). */
    void removeOrphans(Set<String> known) {
        for (Path dir : List.of(bundles, layers)) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (var entries = Files.list(dir)) {
                for (Path p : entries.toList()) {
                    if (!known.contains(p.getFileName().toString())) {
                        Rootfs.unmount(p.resolve("rootfs"));
                        deleteTree(p);
                        LOG.info("removed leftovers of a removed container", "path", p);
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot clean the leftovers of removed containers; retried at the next start", "path", dir,
                        "error", Log.cause(e));
            }
        }
    }

    static void deleteTree(Path p) {
        try {
            FileTrees.delete(p);
        } catch (IOException e) {
            LOG.warn("cannot delete a container's files; the next start removes what is left", "path", p,
                    "error", Log.cause(e));
        }
    }
}
