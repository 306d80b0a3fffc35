package dev.hako.store;

import dev.hako.log.Log;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Hako's persistent metadata: one SQLite database in WAL mode at {@code <root>/hako.db}. A single
 * connection serialises writers (SQLite allows one writer anyway); {@code synchronous=FULL} so an
 * acknowledged change survives power loss, not just a crash of the daemon.
 */
public final class MetadataStore implements AutoCloseable {
    private static final Log LOG = Log.of("store");

    private final Path file;
    private final Connection db;
    private final ReentrantLock lock = new ReentrantLock();

    private MetadataStore(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    /** Opens (creating if needed) the database and applies any pending migrations. */
    public static MetadataStore open(Path file) {
        try {
            Files.createDirectories(file.getParent());
            // the rows hold container environments (Secrets): 0600, and SQLite gives its -wal and -shm
            // files the database's mode; files left by an older Hako are tightened
            dev.hako.sys.PrivateFiles.file(file);
            for (String suffix : new String[] {"-wal", "-shm", "-journal"}) {
                dev.hako.sys.PrivateFiles.restrictExisting(file.resolveSibling(file.getFileName() + suffix));
            }
            SqliteNativeLibrary.prepare(file.toAbsolutePath().getParent().resolve("lib"));
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement st = db.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=FULL");
                st.execute("PRAGMA foreign_keys=ON");
                st.execute("PRAGMA busy_timeout=5000");
            }
            MetadataStore store = new MetadataStore(file, db);
            store.migrate();
            return store;
        } catch (SQLException | java.io.IOException e) {
            throw new StoreException("cannot open metadata database " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public int schemaVersion() {
        lock.lock();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        } catch (SQLException e) {
            throw new StoreException("cannot read schema version of " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private void migrate() throws SQLException {
        int current = schemaVersion();
        if (current > Schema.latestVersion()) {
            throw new StoreException(file + " has schema version " + current + " but this Hako knows only up to "
                    + Schema.latestVersion() + "; it was written by a newer Hako");
        }
        for (Migration m : Schema.MIGRATIONS) {
            if (m.version() <= current) {
                continue;
            }
            db.setAutoCommit(false);
            try (Statement st = db.createStatement()) {
                for (String sql : m.statements()) {
                    st.execute(sql);
                }
                try (PreparedStatement ps = db.prepareStatement(
                        "INSERT INTO schema_migrations(version, description, applied_at) VALUES (?, ?, ?)")) {
                    ps.setInt(1, m.version());
                    ps.setString(2, m.description());
                    ps.setString(3, Instant.now().toString());
                    ps.executeUpdate();
                }
                st.execute("PRAGMA user_version=" + m.version());
                db.commit();
                LOG.info("applied schema migration", "db", file, "version", m.version(), "what", m.description());
            } catch (SQLException e) {
                db.rollback();
                throw new StoreException("schema migration " + m.version() + " (" + m.description() + ") failed on "
                        + file + ": " + e.getMessage(), e);
            } finally {
                db.setAutoCommit(true);
            }
        }
    }

    /** A runtime setting saved with {@link #putSetting}, if any. */
    public Optional<String> setting(String name) {
        lock.lock();
        try (PreparedStatement ps = db.prepareStatement("SELECT value FROM runtime_settings WHERE name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read setting " + name + " from " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    public void putSetting(String name, String value) {
        lock.lock();
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT INTO runtime_settings(name, value, updated_at) VALUES (?, ?, ?) "
                        + "ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")) {
            ps.setString(1, name);
            ps.setString(2, value);
            ps.setString(3, Instant.now().toString());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot save setting " + name + " to " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Work against the database that may throw SQLException; runs under the store's lock. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection db) throws SQLException;
    }

    /** Runs {@code work} as one transaction: all of it is committed, or none of it. */
    public <T> T transaction(String what, SqlWork<T> work) {
        lock.lock();
        try {
            db.setAutoCommit(false);
            try {
                T result = work.run(db);
                db.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("cannot " + what + " in " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Runs a read (or a single statement) under the store's lock. */
    public <T> T query(String what, SqlWork<T> work) {
        lock.lock();
        try {
            return work.run(db);
        } catch (SQLException e) {
            throw new StoreException("cannot " + what + " in " + file + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            db.close();
        } catch (SQLException e) {
            LOG.warn("closing the metadata database failed; SQLite recovers it at the next start", "path", file,
                    "error", Log.cause(e));
        } finally {
            lock.unlock();
        }
    }
}
