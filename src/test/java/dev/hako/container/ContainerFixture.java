package dev.hako.container;

import dev.hako.config.ConfigLoader;
import dev.hako.config.HakoConfig;
import dev.hako.config.HandlerConfig;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.monitor.Conmon;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.store.ContainerRow;
import dev.hako.store.ContainerTable;
import dev.hako.store.MetadataStore;
import dev.hako.store.PodTable;
import dev.hako.testing.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A root and state directory, a store and runtimes for unit tests of the container package, without
 * root: conmon is {@code /bin/true} (never started) and the runc handler is the real runc under a root of
 * its own in the fixture's directory, where it knows no container: {@code state} finds none and
 * {@code delete} has nothing to delete. Kept in this package: it builds package-private rows.
 */
final class ContainerFixture implements AutoCloseable {
    static final String POD = "pod1";
    /** Debian's runc: the configuration needs an executable, so without it every test of the fixture is skipped. */
    static final Path RUNC = Path.of("/usr/sbin/runc");

    final Path dir;
    final HakoConfig config;
    final MetadataStore store;
    final Conmon conmon;
    final ContainerRuntimes runtimes;

    ContainerFixture() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(RUNC), RUNC + " is not installed: test skipped");
        dir = TempDirs.create("hako-ctr-");
        config = ConfigLoader.fromToml("""
                root = "%s/root"
                state = "%s/state"
                socket = "%s/hako.sock"
                [runtime]
                conmon = "/bin/true"
                pod_log_root = "%s/pods"
                [runtime.handlers.runc]
                path = "%s"
                root = "%s/runc"
                """.formatted(dir, dir, dir, dir, RUNC, dir), null);
        store = MetadataStore.open(config.databaseFile());
        conmon = new Conmon(config.runtime().conmon(), config.state());
        runtimes = new ContainerRuntimes(config.runtime(), conmon);
        // container rows name their pod (a foreign key); the pod service never reads this one
        new PodTable(store).insert(new PodTable.Row(POD, "web", "default", "uid-1", 0, new byte[0], "", "READY",
                Instant.parse("2026-01-01T00:00:00Z"), "{}"));
    }

    HandlerConfig runc() {
        return config.runtime().handlers().get("runc");
    }

    static ContainerConfig config(String name, int attempt) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name).setAttempt(attempt))
                .setImage(ImageSpec.newBuilder().setImage("docker.io/library/busybox:latest"))
                .build();
    }

    /** A container of {@link #POD} run by {@code handler}, its bundle under the state directory. */
    Container container(String id, Container.State state, String handler) {
        Path bundle = config.state().resolve("containers").resolve(id);
        return new Container(id, POD, config(id + "-name", 0), "busybox", "sha256:" + "a".repeat(64),
                "docker.io/library/busybox@sha256:" + "b".repeat(64), state, Instant.parse("2026-01-02T03:04:05Z"),
                state == Container.State.CREATED ? null : Instant.parse("2026-01-02T03:04:06Z"), null, null, "", "",
                state == Container.State.CREATED ? 0 : 4242, bundle, bundle.resolve("container.log"), handler);
    }

    ContainerRow row(Container c) {
        return ContainerRecords.row(c, List.of("sha256:" + "c".repeat(64)), runc());
    }

    /** Stores {@code r} as it is (a whole record or, with state CREATING, an intent). */
    void insert(ContainerRow r) {
        ContainerTable table = new ContainerTable(store);
        if (r.state().equals(ContainerTable.CREATING)) {
            table.insertCreating(r);
        } else {
            table.insert(r);
        }
    }

    /** The exit file conmon writes when the container's process ends. */
    void exitFile(String id, int code) throws IOException {
        Files.createDirectories(conmon.exitDir());
        Files.writeString(conmon.exitDir().resolve(id), Integer.toString(code));
    }

    @Override
    public void close() {
        store.close();
        TempDirs.delete(dir);
    }
}
