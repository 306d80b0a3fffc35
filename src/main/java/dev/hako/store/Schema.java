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
                    )""")));

    static int latestVersion() {
        return MIGRATIONS.getLast().version();
    }
}
