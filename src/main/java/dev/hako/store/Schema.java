package dev.hako.store;

import java.util.List;

/**
 * Every schema migration, oldest first. Append only: a released step is never edited, because
 * databases in the field have already applied it. {@code PRAGMA user_version} records the last
 * step applied, so a newer database is recognised and refused by an older Hako.
 */
final class Schema {
    private Schema() {}

    /** The state of a pod or container row whose creation began and has not finished (see migration 5). */
    static final String CREATING = "CREATING";

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
                    "CREATE INDEX image_names_by_image ON image_names(image_id)")),
            new Migration(3, "pod sandboxes", List.of(
                    // the kubelet's PodSandboxConfig is kept whole (protobuf bytes): status calls echo it
                    """
                    CREATE TABLE pods (
                        id              TEXT    PRIMARY KEY,
                        name            TEXT    NOT NULL,
                        namespace       TEXT    NOT NULL,
                        uid             TEXT    NOT NULL,
                        attempt         INTEGER NOT NULL,
                        config          BLOB    NOT NULL,
                        runtime_handler TEXT    NOT NULL,
                        state           TEXT    NOT NULL,
                        created_at      TEXT    NOT NULL,
                        details         TEXT    NOT NULL
                    )""",
                    "CREATE UNIQUE INDEX pods_by_metadata ON pods(name, namespace, uid, attempt)")),
            new Migration(4, "containers", List.of(
                    """
                    CREATE TABLE containers (
                        id          TEXT    PRIMARY KEY,
                        pod_id      TEXT    NOT NULL REFERENCES pods(id),
                        name        TEXT    NOT NULL,
                        attempt     INTEGER NOT NULL,
                        config      BLOB    NOT NULL,
                        image_id    TEXT    NOT NULL,
                        state       TEXT    NOT NULL,
                        created_at  TEXT    NOT NULL,
                        started_at  TEXT,
                        finished_at TEXT,
                        exit_code   INTEGER,
                        reason      TEXT    NOT NULL DEFAULT '',
                        message     TEXT    NOT NULL DEFAULT '',
                        pid         INTEGER NOT NULL DEFAULT 0,
                        details     TEXT    NOT NULL
                    )""",
                    "CREATE INDEX containers_by_pod ON containers(pod_id)",
                    "CREATE UNIQUE INDEX containers_by_name ON containers(pod_id, name, attempt)")),
            // a create records its intent first, as a row in state CREATING that no query but recovery's sees,
            // so that a crash half-way leaves a record of what to undo; the version step keeps an older Hako,
            // which knows no such state, from opening the database
            new Migration(5, "creation intents", List.of(
                    "CREATE INDEX pods_by_state ON pods(state)",
                    "CREATE INDEX containers_by_state ON containers(state)")));

    static int latestVersion() {
        return MIGRATIONS.getLast().version();
    }
}
