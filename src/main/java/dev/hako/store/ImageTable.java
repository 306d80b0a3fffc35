package dev.hako.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@code images} and {@code image_names} tables. Every change is one transaction. */
public final class ImageTable {
    private final MetadataStore store;

    public ImageTable(MetadataStore store) {
        this.store = store;
    }

    public List<ImageRow> all() {
        return store.query("list images", db -> load(db, "SELECT * FROM images ORDER BY created_at, id", null));
    }

    public Optional<ImageRow> byId(String id) {
        return store.query("read image " + id, db -> load(db, "SELECT * FROM images WHERE id = ?", id))
                .stream().findFirst();
    }

    /** The image a repo tag or repo digest names. */
    public Optional<String> idByName(String name) {
        return store.query("resolve image name " + name, db -> {
            try (PreparedStatement ps = db.prepareStatement("SELECT image_id FROM image_names WHERE name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    /**
     * Records {@code row} (replacing an earlier record of the same ID, whose names it keeps) and points
     * every one of {@code row.names()} at it, taking them from any other image, all at once.
     */
    public void save(ImageRow row) {
        store.transaction("save image " + row.id(), db -> {
            try (PreparedStatement ps = db.prepareStatement("""
                    INSERT INTO images(id, manifest_digest, size, layers, user, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET manifest_digest = excluded.manifest_digest, size = excluded.size,
                        layers = excluded.layers, user = excluded.user""")) {
                ps.setString(1, row.id());
                ps.setString(2, row.manifestDigest());
                ps.setLong(3, row.size());
                ps.setString(4, row.layersJson());
                ps.setString(5, row.user());
                ps.setString(6, row.createdAt().toString());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = db.prepareStatement("""
                    INSERT INTO image_names(name, image_id) VALUES (?, ?)
                    ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id""")) {
                for (String name : row.names()) {
                    ps.setString(1, name);
                    ps.setString(2, row.id());
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    /** Removes one name; returns whether it existed. */
    public boolean removeName(String name) {
        return store.transaction("remove image name " + name, db -> {
            try (PreparedStatement ps = db.prepareStatement("DELETE FROM image_names WHERE name = ?")) {
                ps.setString(1, name);
                return ps.executeUpdate() > 0;
            }
        });
    }

    /** Removes an image and all its names; returns whether it existed. */
    public boolean remove(String id) {
        return store.transaction("remove image " + id, db -> {
            try (PreparedStatement names = db.prepareStatement("DELETE FROM image_names WHERE image_id = ?");
                 PreparedStatement image = db.prepareStatement("DELETE FROM images WHERE id = ?")) {
                names.setString(1, id);
                names.executeUpdate();
                image.setString(1, id);
                return image.executeUpdate() > 0;
            }
        });
    }

    private static List<ImageRow> load(Connection db, String sql, String param) throws SQLException {
        Map<String, List<String>> names = new LinkedHashMap<>();
        try (PreparedStatement ps = db.prepareStatement(
                param == null ? "SELECT name, image_id FROM image_names ORDER BY name"
                        : "SELECT name, image_id FROM image_names WHERE image_id = ? ORDER BY name")) {
            if (param != null) {
                ps.setString(1, param);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.computeIfAbsent(rs.getString(2), k -> new ArrayList<>()).add(rs.getString(1));
                }
            }
        }
        List<ImageRow> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            if (param != null) {
                ps.setString(1, param);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String id = rs.getString("id");
                    out.add(new ImageRow(id, rs.getString("manifest_digest"), rs.getLong("size"), rs.getString("layers"),
                            rs.getString("user"), Instant.parse(rs.getString("created_at")),
                            names.getOrDefault(id, List.of())));
                }
            }
        }
        return out;
    }
}
