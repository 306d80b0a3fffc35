package dev.hako.container;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.hako.config.HandlerConfig;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.error.HakoException;
import dev.hako.image.Image;
import dev.hako.json.Json;
import dev.hako.store.ContainerRow;
import dev.hako.store.ContainerTable;
import dev.hako.store.Ids;
import dev.hako.store.MetadataStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The persistent container records: a {@link Container} as a {@link ContainerRow} and back. What the
 * row has no column for (bundle, log path, image name and reference, handler, the image's chain IDs
 * and the runtime binary) is kept as JSON in its details.
 */
final class ContainerRecords {
    private final ContainerTable table;

    ContainerRecords(MetadataStore store) {
        this.table = new ContainerTable(store);
    }

    /** Every whole record; intents of creates in progress are not among them. */
    List<ContainerRow> ofPod(String podId) {
        return table.ofPod(podId);
    }

    List<ContainerRow> all() {
        return table.all();
    }

    Optional<ContainerRow> byId(String id) {
        return table.byId(id);
    }

    /** Intent rows: creates in progress, or cut short by a crash. */
    List<ContainerRow> creating() {
        return table.creating();
    }

    /** A fresh container ID no record has. */
    String newId() {
        return Ids.fresh(id -> table.byId(id).isPresent());
    }

    /** Stores the intent of creating {@code c}; false when another create of its name got there first. */
    boolean insertIntent(Container c, Image image, HandlerConfig handler) {
        return table.insertCreating(intent(row(c, chainIds(image), handler)));
    }

    /** The intent becomes the whole record {@code c}: listed from now on. */
    void complete(Container c, Image image, HandlerConfig handler) {
        table.update(row(c, chainIds(image), handler));
    }

    /** Stores the new state of {@code c}, keeping its config and details; NOT_FOUND once it was removed. */
    void save(Container c) {
        ContainerRow old = table.byId(c.id()).orElseThrow(() -> HakoException.notFound("container " + c.id() + " is gone"));
        table.update(updated(old, c));
    }

    void update(ContainerRow r) {
        table.update(r);
    }

    void delete(String id) {
        table.delete(id);
    }

    private static List<String> chainIds(Image image) {
        return image.layers().stream().map(l -> l.chainId().toString()).toList();
    }

    /** The whole row of {@code c}, run on layers {@code chainIds} by {@code handler}. */
    static ContainerRow row(Container c, List<String> chainIds, HandlerConfig handler) {
        Map<String, Object> details = details(c);
        details.put("chainIDs", chainIds);
        // lets removal reach the runtime object even after the handler left the configuration
        details.put("runtime", Map.of("path", handler.path().toString(), "root", handler.root().toString(),
                "args", handler.args()));
        return new ContainerRow(c.id(), c.podId(), c.name(), c.config().getMetadata().getAttempt(),
                c.config().toByteArray(), c.imageId(), c.state().name(), c.createdAt(), c.startedAt(), c.finishedAt(),
                c.exitCode(), c.reason(), c.message(), c.pid(), Json.write(details));
    }

    /** {@code r} as the intent row of a create. */
    static ContainerRow intent(ContainerRow r) {
        return new ContainerRow(r.id(), r.podId(), r.name(), r.attempt(), r.config(), r.imageId(), ContainerTable.CREATING,
                r.createdAt(), null, null, null, "", "", 0, r.details());
    }

    /** {@code old} with the state of {@code c}; attempt, config and details stay as first written. */
    static ContainerRow updated(ContainerRow old, Container c) {
        return new ContainerRow(c.id(), c.podId(), c.name(), old.attempt(), old.config(), c.imageId(), c.state().name(),
                c.createdAt(), c.startedAt(), c.finishedAt(), c.exitCode(), c.reason(), c.message(), c.pid(), old.details());
    }

    /** {@code r} reported EXITED (255) with reason {@link ContainerService#RECOVERY_FAILED} and {@code why}. */
    static ContainerRow recoveryFailed(ContainerRow r, String why, Instant at) {
        return new ContainerRow(r.id(), r.podId(), r.name(), r.attempt(), r.config(), r.imageId(),
                Container.State.EXITED.name(), r.createdAt(), r.startedAt(), at, 255, ContainerService.RECOVERY_FAILED,
                why, r.pid(), r.details());
    }

    private static Map<String, Object> details(Container c) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("bundle", c.bundle().toString());
        d.put("logPath", c.logPath().toString());
        d.put("imageName", c.imageName());
        d.put("imageRef", c.imageRef());
        d.put("handler", c.handler());
        return d;
    }

    /** The container a row records; INTERNAL when its stored config is unreadable. */
    static Container container(ContainerRow r) {
        ContainerConfig cfg;
        try {
            cfg = ContainerConfig.parseFrom(r.config());
        } catch (InvalidProtocolBufferException e) {
            throw HakoException.internal("stored config of container " + r.id() + " is unreadable", e);
        }
        Map<String, Object> d = Json.parseObject(r.details());
        return new Container(r.id(), r.podId(), cfg, (String) d.get("imageName"), r.imageId(), (String) d.get("imageRef"),
                Container.State.valueOf(r.state()), r.createdAt(), r.startedAt(), r.finishedAt(), r.exitCode(), r.reason(),
                r.message(), r.pid(), Path.of((String) d.get("bundle")), Path.of((String) d.get("logPath")),
                (String) d.get("handler"));
    }

    /**
     * The runtime binary and root {@code row} recorded at create, as handler {@code handler}; empty when
     * not recorded or the binary is no longer executable.
     */
    static Optional<HandlerConfig> recordedHandler(String handler, ContainerRow row) {
        if (Json.parseObject(row.details()).get("runtime") instanceof Map<?, ?> m
                && m.get("path") instanceof String path && m.get("root") instanceof String root
                && Files.isExecutable(Path.of(path))) {
            List<String> args = m.get("args") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
            return Optional.of(new HandlerConfig(handler, Path.of(path), Path.of(root), args));
        }
        return Optional.empty();
    }
}
