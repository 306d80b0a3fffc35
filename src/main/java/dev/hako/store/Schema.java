package dev.hako.store;

import java.util.List;

/**
 * Every schema migration, oldest first. Append only: a released step is never edited, because
 * databases in the field have already applied it. {@code PRAGMA user_version} records the last
 * step applied, so a newer database is recognised and refused by an older Hako.
 */
final class Schema {
    private Schema() {}

    static final List<Migration> MIGRATIONS = List.of(
            new Migration(1, "migration history and runtime settings", List.of(
                    """
                    CREATE TABLE schema_migrations (
                        version     INTEGER PRIMARY KEY,
                        description TEXT    NOT NULL,
                        applied_at  TEXT    NOT NULL
                    )""",
                    // small facts the kubelet hands us at run time (e.g. the pod CIDR) that must survive a restart
                    """
                    CREATE TABLE runtime_settings (
                        name       TEXT PRIMARY KEY,
                        value      TEXT NOT NULL,
                        updated_at TEXT NOT NULL
                    )""")),
            new Migration(2, "images and their names", List.of(
                    // one row per image, keyed by its ID (the config digest); layers as a JSON list,
                    // bottom first, because they are always read and written together with the image
                    """
                    CREATE TABLE images (
                        id              TEXT    PRIMARY KEY,
                        manifest_digest TEXT    NOT NULL,
                        size            INTEGER NOT NULL,
                        layers          TEXT    NOT NULL,
                        user            TEXT    NOT NULL,
                        created_at      TEXT    NOT NULL
                    )""",
                    // repo tags (name:tag) and repo digests (name@digest), each naming exactly one image
                    """
                    CREATE TABLE image_names (
                        name     TEXT PRIMARY KEY,
                        image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE
                    )""",
                    "CREATE INDEX image_names_by_image ON image_names(image_id)")));

    static int latestVersion() {
        return MIGRATIONS.getLast().version();
    }
}
