package dev.hako.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.testing.TempDirs;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SQLite store on a real file: WAL, migrations applied once, settings that persist. */
class MetadataStoreTest {
    private Path dir;

    @BeforeEach
    void dir() throws Exception {
        dir = TempDirs.create("hako-store");
    }

    @AfterEach
    void clean() {
        TempDirs.delete(dir);
    }

    @Test
    void newDatabaseIsMigratedToTheLatestSchemaInWalMode() throws Exception {
        Path file = dir.resolve("sub/hako.db");
        try (MetadataStore store = MetadataStore.open(file)) {
            assertThat(store.schemaVersion()).isEqualTo(Schema.latestVersion());
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement st = db.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("wal");
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM schema_migrations")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(Schema.MIGRATIONS.size());
            }
        }
    }

    @Test
    void reopeningAppliesNothingTwiceAndKeepsSettings() {
        Path file = dir.resolve("hako.db");
        try (MetadataStore store = MetadataStore.open(file)) {
            store.putSetting("pod_cidr", "10.0.0.0/24");
            store.putSetting("pod_cidr", "10.0.1.0/24");
        }
        try (MetadataStore store = MetadataStore.open(file)) {
            assertThat(store.schemaVersion()).isEqualTo(Schema.latestVersion());
            assertThat(store.setting("pod_cidr")).contains("10.0.1.0/24");
            assertThat(store.setting("missing")).isEmpty();
        }
    }

    @Test
    void aDatabaseFromANewerHakoIsRefusedUntouched() throws Exception {
        Path file = dir.resolve("hako.db");
        MetadataStore.open(file).close();
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = db.createStatement()) {
            st.execute("PRAGMA user_version=" + (Schema.latestVersion() + 7));
        }
        assertThatThrownBy(() -> MetadataStore.open(file))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("written by a newer Hako");
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            assertThat(rs.getInt(1)).isEqualTo(Schema.latestVersion() + 7);
        }
    }

    @Test
    void migrationsAreNumberedWithoutGaps() {
        for (int i = 0; i < Schema.MIGRATIONS.size(); i++) {
            assertThat(Schema.MIGRATIONS.get(i).version()).isEqualTo(i + 1);
        }
    }
}
