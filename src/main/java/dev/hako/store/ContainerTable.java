package dev.hako.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code containers} table. Rows in state {@link #CREATING} are intents of creates not finished:
 * {@link #all} and {@link #byId} never return them, so nothing half-made is ever listed.
 */
public final class ContainerTable {
    private final MetadataStore store;

    public ContainerTable(MetadataStore store) {
        this.store = store;
    }

    /** The state of a row written before a container's creation begins; such rows are seen only by {@link #creating}. */
    public static final String CREATING = Schema.CREATING;

    /**
     * Records the intent to create a container ({@code r.state()} must be {@link #CREATING}); false, and
     * nothing written, when its ID or its pod, name and attempt are taken already.
     */
    public boolean insertCreating(ContainerRow r) {
        if (!CREATING.equals(r.state())) {
            throw new IllegalArgumentException("an intent row has state " + CREATING + ", not " + r.state());
        }
        return store.transaction("record the creation of container " + r.id(), db -> {
            try (PreparedStatement ps = db.prepareStatement("""
                    INSERT INTO containers(id, pod_id, name, attempt, config, image_id, state, created_at, started_at,
                        finished_at, exit_code, reason, message, pid, details)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
                bind(ps, r);
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** Containers whose creation began and did not finish (a crash, or a create still running). */
    public List<ContainerRow> creating() {
        return store.query("list containers being created", db -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT * FROM containers WHERE state = ? ORDER BY created_at, id")) {
                ps.setString(1, CREATING);
                try (ResultSet rs = ps.executeQuery()) {
                    List<ContainerRow> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                    return out;
                }
            }
        });
    }

    public void insert(ContainerRow r) {
        store.transaction("record container " + r.id(), db -> {
            try (PreparedStatement ps = db.prepareStatement("""
                    INSERT INTO containers(id, pod_id, name, attempt, config, image_id, state, created_at, started_at,
                        finished_at, exit_code, reason, message, pid, details)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
                bind(ps, r);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Writes the mutable part of {@code r}: state, times, exit, pid, details. */
    public void update(ContainerRow r) {
        store.transaction("update container " + r.id(), db -> {
            try (PreparedStatement ps = db.prepareStatement("""
                    UPDATE containers SET state = ?, started_at = ?, finished_at = ?, exit_code = ?, reason = ?,
                        message = ?, pid = ?, details = ? WHERE id = ?""")) {
                ps.setString(1, r.state());
                ps.setString(2, text(r.startedAt()));
                ps.setString(3, text(r.finishedAt()));
                if (r.exitCode() == null) {
                    ps.setNull(4, Types.INTEGER);
                } else {
                    ps.setInt(4, r.exitCode());
                }
                ps.setString(5, r.reason());
                ps.setString(6, r.message());
                ps.setInt(7, r.pid());
                ps.setString(8, r.details());
                ps.setString(9, r.id());
                ps.executeUpdate();
            }
            return null;
        });
    }

    public void delete(String id) {
        store.transaction("remove container " + id, db -> {
            try (PreparedStatement ps = db.prepareStatement("DELETE FROM containers WHERE id = ?")) {
                ps.setString(1, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    public List<ContainerRow> all() {
        return store.query("list containers", db -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT * FROM containers WHERE state <> ? ORDER BY created_at, id")) {
                ps.setString(1, CREATING);
                try (ResultSet rs = ps.executeQuery()) {
                    List<ContainerRow> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                    return out;
                }
            }
        });
    }

    /** One pod's containers, newest first (the containers_by_pod index: PodSandboxStatus asks this per call). */
    public List<ContainerRow> ofPod(String podId) {
        return store.query("list containers of pod " + podId, db -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT * FROM containers WHERE pod_id = ? AND state <> ? ORDER BY created_at DESC, id")) {
                ps.setString(1, podId);
                ps.setString(2, CREATING);
                try (ResultSet rs = ps.executeQuery()) {
                    List<ContainerRow> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                    return out;
                }
            }
        });
    }

    public Optional<ContainerRow> byId(String id) {
        return store.query("read container " + id, db -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT * FROM containers WHERE id = ? AND state <> ?")) {
                ps.setString(1, id);
                ps.setString(2, CREATING);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    private static void bind(PreparedStatement ps, ContainerRow r) throws SQLException {
        ps.setString(1, r.id());
        ps.setString(2, r.podId());
        ps.setString(3, r.name());
        ps.setInt(4, r.attempt());
        ps.setBytes(5, r.config());
        ps.setString(6, r.imageId());
        ps.setString(7, r.state());
        ps.setString(8, r.createdAt().toString());
        ps.setString(9, text(r.startedAt()));
        ps.setString(10, text(r.finishedAt()));
        if (r.exitCode() == null) {
            ps.setNull(11, Types.INTEGER);
        } else {
            ps.setInt(11, r.exitCode());
        }
        ps.setString(12, r.reason());
        ps.setString(13, r.message());
        ps.setInt(14, r.pid());
        ps.setString(15, r.details());
    }

    private static ContainerRow read(ResultSet rs) throws SQLException {
        int exit = rs.getInt("exit_code");
        Integer exitCode = rs.wasNull() ? null : exit;
        return new ContainerRow(rs.getString("id"), rs.getString("pod_id"), rs.getString("name"), rs.getInt("attempt"),
                rs.getBytes("config"), rs.getString("image_id"), rs.getString("state"), instant(rs.getString("created_at")),
                instant(rs.getString("started_at")), instant(rs.getString("finished_at")), exitCode, rs.getString("reason"),
                rs.getString("message"), rs.getInt("pid"), rs.getString("details"));
    }

    private static String text(Instant i) {
        return i == null ? null : i.toString();
    }

    private static Instant instant(String s) {
        return s == null ? null : Instant.parse(s);
    }
}
