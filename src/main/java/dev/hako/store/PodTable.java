package dev.hako.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code pods} table: one row per pod sandbox, its kubelet config kept whole as protobuf bytes. A
 * create first inserts a row in state {@link #CREATING}, which only {@link #creating} returns, and
 * {@link #complete}s it once the pod is whole: nothing half-made is ever listed or found.
 */
public final class PodTable {
    private static final String COLUMNS =
            "id, name, namespace, uid, attempt, config, runtime_handler, state, created_at, details";

    /**
     * A stored pod sandbox. {@code details} is a JSON document the pod package owns (paths, flags);
     * {@code state} is its state's name.
     */
    public record Row(String id, String name, String namespace, String uid, int attempt, byte[] config,
                      String runtimeHandler, String state, Instant createdAt, String details) {}

    private final MetadataStore store;

    public PodTable(MetadataStore store) {
        this.store = store;
    }

    /**
     * Records a new pod; false (and nothing written) when its ID or its name, namespace, uid and
     * attempt are taken already.
     */
    public boolean insert(Row row) {
        return store.transaction("save pod " + row.id(), db -> {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO pods(" + COLUMNS + ")"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
                ps.setString(1, row.id());
                ps.setString(2, row.name());
                ps.setString(3, row.namespace());
                ps.setString(4, row.uid());
                ps.setInt(5, row.attempt());
                ps.setBytes(6, row.config());
                ps.setString(7, row.runtimeHandler());
                ps.setString(8, row.state());
                ps.setString(9, row.createdAt().toString());
                ps.setString(10, row.details());
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** The state of a row written before a pod's creation begins; such rows are seen only by {@link #creating}. */
    public static final String CREATING = Schema.CREATING;

    /** Pods whose creation began and did not finish (a crash, or a create still running). */
    public List<Row> creating() {
        return store.query("list pods being created", db -> load(db, "SELECT " + COLUMNS
                + " FROM pods WHERE state = ? ORDER BY created_at, id", CREATING));
    }

    /**
     * Turns the intent row of a pod (state {@link #CREATING}) into its record: state, config, creation time
     * and details from {@code row}; false when there is no such intent.
     */
    public boolean complete(Row row) {
        return store.transaction("save pod " + row.id(), db -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE pods SET state = ?, config = ?, created_at = ?,"
                    + " details = ? WHERE id = ? AND state = ?")) {
                ps.setString(1, row.state());
                ps.setBytes(2, row.config());
                ps.setString(3, row.createdAt().toString());
                ps.setString(4, row.details());
                ps.setString(5, row.id());
                ps.setString(6, CREATING);
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** Sets a pod's state; false when there is no such pod. */
    public boolean updateState(String id, String state) {
        return store.transaction("update state of pod " + id, db -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE pods SET state = ? WHERE id = ?")) {
                ps.setString(1, state);
                ps.setString(2, id);
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** Replaces a pod's stored PodSandboxConfig (protobuf bytes); false when there is no such pod. */
    public boolean updateConfig(String id, byte[] config) {
        return store.transaction("update config of pod " + id, db -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE pods SET config = ? WHERE id = ?")) {
                ps.setBytes(1, config);
                ps.setString(2, id);
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** Removes a pod's row; false when there was none. */
    public boolean delete(String id) {
        return store.transaction("remove pod " + id, db -> {
            try (PreparedStatement ps = db.prepareStatement("DELETE FROM pods WHERE id = ?")) {
                ps.setString(1, id);
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** Every pod, oldest first. */
    public List<Row> all() {
        return store.query("list pods", db -> load(db, "SELECT " + COLUMNS
                + " FROM pods WHERE state <> ? ORDER BY created_at, id", CREATING));
    }

    public Optional<Row> byId(String id) {
        return store.query("read pod " + id,
                db -> load(db, "SELECT " + COLUMNS + " FROM pods WHERE id = ? AND state <> ?", id, CREATING))
                .stream().findFirst();
    }

    /** The pod of this kubelet identity, if any. */
    public Optional<Row> byMetadata(String name, String namespace, String uid, int attempt) {
        return store.query("look up pod " + namespace + "/" + name, db -> load(db, "SELECT " + COLUMNS
                + " FROM pods WHERE name = ? AND namespace = ? AND uid = ? AND attempt = ? AND state <> ?",
                name, namespace, uid, attempt, CREATING)).stream().findFirst();
    }

    /** IDs starting with {@code prefix}, at most {@code limit} of them, in ID order. */
    public List<String> idsWithPrefix(String prefix, int limit) {
        return store.query("look up pod ID prefix " + prefix, db -> {
            try (PreparedStatement ps = db.prepareStatement(
                    "SELECT id FROM pods WHERE substr(id, 1, ?) = ? AND state <> ? ORDER BY id LIMIT ?")) {
                ps.setInt(1, prefix.length());
                ps.setString(2, prefix);
                ps.setString(3, CREATING);
                ps.setInt(4, limit);
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            }
        });
    }

    private static List<Row> load(Connection db, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<Row> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Row(rs.getString("id"), rs.getString("name"), rs.getString("namespace"),
                            rs.getString("uid"), rs.getInt("attempt"), rs.getBytes("config"),
                            rs.getString("runtime_handler"), rs.getString("state"),
                            Instant.parse(rs.getString("created_at")), rs.getString("details")));
                }
            }
            return out;
        }
    }
}
