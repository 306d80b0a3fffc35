package dev.hako.network;

import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.log.Log;
import dev.hako.sys.PrivateFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One file per pod whose ADD began, named by the pod's ID: the configuration, netns, identity and
 * capability arguments of the ADD, and its result once it finished. DEL and CHECK run from it, even
 * after a restart; while it exists a DEL is owed. The directory is 0700 (pods' addresses, names and
 * netns paths); dot names in it are never a pod's.
 */
final class CniCache {
    private static final Log LOG = Log.of("cni");

    private final Path dir;

    CniCache(Path dir) {
        this.dir = dir;
    }

    /** The file of one pod; an ID that is not a plain file name is refused. */
    Path file(String podId) {
        if (podId.isEmpty() || podId.contains("/") || podId.startsWith(".")) {
            throw HakoException.invalidArgument("pod_sandbox_id", "bad id " + podId);
        }
        return dir.resolve(podId);
    }

    /** Replaces the pod's entry atomically. */
    void write(String podId, Map<String, Object> entry) {
        Path file = file(podId);
        try {
            PrivateFiles.directory(dir);
            Path tmp = dir.resolve("." + podId + ".tmp");
            Files.writeString(tmp, Json.write(entry));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cache the CNI result in " + file, e);
        }
    }

    /** The pod's entry; empty when there is none or it cannot be read (DEL then runs with the current configuration). */
    Optional<Map<String, Object>> read(String podId) {
        Path file = file(podId);
        try {
            return Optional.of(Json.parseObject(Files.readString(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.warn("unreadable CNI cache; DEL runs with the current configuration", "pod", podId, "path", file,
                    "error", Log.cause(e));
            return Optional.empty();
        }
    }

    void remove(String podId) {
        try {
            Files.deleteIfExists(file(podId));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean has(String podId) {
        return Files.exists(file(podId));
    }

    /** IDs of every pod with an entry. */
    List<String> podIds() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** What DEL needs to hear again of an attachment: its identity and capability arguments. */
    static Map<String, Object> describe(Cni.Attachment a) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("namespace", a.namespace());
        out.put("name", a.name());
        out.put("uid", a.uid());
        List<Object> ports = new ArrayList<>();
        for (Cni.PortMapping pm : a.portMappings()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("hostPort", pm.hostPort());
            m.put("containerPort", pm.containerPort());
            m.put("protocol", pm.protocol());
            m.put("hostIP", pm.hostIp() == null ? "" : pm.hostIp());
            ports.add(m);
        }
        out.put("portMappings", ports);
        out.put("bandwidth", a.bandwidth());
        return out;
    }

    /** The attachment {@link #describe} recorded, for a pod known only by its ID. */
    @SuppressWarnings("unchecked")
    static Cni.Attachment attachmentOf(String podId, String netns, Map<?, ?> m) {
        List<Cni.PortMapping> ports = new ArrayList<>();
        if (m.get("portMappings") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> pm && pm.get("hostPort") instanceof Number host
                        && pm.get("containerPort") instanceof Number container) {
                    ports.add(new Cni.PortMapping(host.intValue(), container.intValue(), String.valueOf(pm.get("protocol")),
                            pm.get("hostIP") instanceof String ip ? ip : ""));
                }
            }
        }
        Map<String, Object> bandwidth = m.get("bandwidth") instanceof Map<?, ?> b ? (Map<String, Object>) b : Map.of();
        return new Cni.Attachment(podId, netns, text(m.get("namespace")), text(m.get("name")), text(m.get("uid")), ports,
                Map.of(), bandwidth);
    }

    private static String text(Object o) {
        return o instanceof String s ? s : "";
    }
}
