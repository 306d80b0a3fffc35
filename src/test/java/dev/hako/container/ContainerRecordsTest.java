package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.HandlerConfig;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.store.ContainerRow;
import dev.hako.store.ContainerTable;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A container as a row and back; intents; what removal needs of a row whose handler is gone. */
class ContainerRecordsTest {
    private ContainerFixture f;
    private ContainerRecords records;

    @BeforeEach
    void setUp() throws Exception {
        f = new ContainerFixture();
        records = new ContainerRecords(f.store);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void aContainerSurvivesTheRoundTripThroughItsRow() {
        for (Container.State s : List.of(Container.State.CREATED, Container.State.RUNNING)) {
            Container c = f.container("c-" + s, s, "runc");
            assertThat(ContainerRecords.container(f.row(c))).isEqualTo(c);
        }
        Container exited = f.container("c3", Container.State.RUNNING, "runc")
                .exited(137, Instant.parse("2026-01-02T03:05:00Z"), "Error", "killed");
        assertThat(ContainerRecords.container(f.row(exited))).isEqualTo(exited);
    }

    @Test
    void theDetailsNameTheLayersAndTheRuntimeBinary() {
        Container c = f.container("c1", Container.State.CREATED, "runc");
        ContainerRow r = f.row(c);
        assertThat(r.state()).isEqualTo("CREATED");
        assertThat(r.name()).isEqualTo("c1-name");
        Map<String, Object> d = Json.parseObject(r.details());
        assertThat(d).containsEntry("bundle", c.bundle().toString()).containsEntry("logPath", c.logPath().toString())
                .containsEntry("imageName", "busybox").containsEntry("imageRef", c.imageRef())
                .containsEntry("handler", "runc").containsEntry("chainIDs", List.of("sha256:" + "c".repeat(64)));
        assertThat(d.get("runtime")).isEqualTo(Map.of("path", f.runc().path().toString(),
                "root", f.runc().root().toString(), "args", List.of()));
    }

    @Test
    void anIntentKeepsTheDetailsButNoStateOfARunningContainer() {
        ContainerRow whole = f.row(f.container("c1", Container.State.RUNNING, "runc"));
        ContainerRow intent = ContainerRecords.intent(whole);
        assertThat(intent.state()).isEqualTo(ContainerTable.CREATING);
        assertThat(intent.startedAt()).isNull();
        assertThat(intent.exitCode()).isNull();
        assertThat(intent.pid()).isZero();
        assertThat(intent.details()).isEqualTo(whole.details());
        assertThat(intent.createdAt()).isEqualTo(whole.createdAt());
    }

    @Test
    void anUpdateKeepsAttemptConfigAndDetailsAsFirstWritten() {
        ContainerRow old = f.row(f.container("c1", Container.State.RUNNING, "runc"));
        Container done = ContainerRecords.container(old).exited(1, Instant.parse("2026-01-03T00:00:00Z"), "Error", "");
        ContainerRow next = ContainerRecords.updated(old, done);
        assertThat(next.state()).isEqualTo("EXITED");
        assertThat(next.exitCode()).isEqualTo(1);
        assertThat(next.details()).isSameAs(old.details());
        assertThat(next.config()).isSameAs(old.config());
        assertThat(next.attempt()).isEqualTo(old.attempt());
    }

    @Test
    void aFailedRecoveryIsReportedAsExited255() {
        ContainerRow r = f.row(f.container("c1", Container.State.RUNNING, "runc"));
        Instant at = Instant.parse("2026-01-03T00:00:00Z");
        ContainerRow failed = ContainerRecords.recoveryFailed(r, "why", at);
        assertThat(failed.state()).isEqualTo("EXITED");
        assertThat(failed.exitCode()).isEqualTo(255);
        assertThat(failed.reason()).isEqualTo(ContainerService.RECOVERY_FAILED).isEqualTo("RecoveryFailed");
        assertThat(failed.message()).isEqualTo("why");
        assertThat(failed.finishedAt()).isEqualTo(at);
        assertThat(failed.startedAt()).isEqualTo(r.startedAt());
    }

    @Test
    void anUnreadableConfigIsInternalNamingTheContainer() {
        ContainerRow r = f.row(f.container("c1", Container.State.RUNNING, "runc"));
        ContainerRow broken = new ContainerRow(r.id(), r.podId(), r.name(), r.attempt(), new byte[] {(byte) 0xff, 1},
                r.imageId(), r.state(), r.createdAt(), r.startedAt(), r.finishedAt(), r.exitCode(), r.reason(),
                r.message(), r.pid(), r.details());
        assertThatThrownBy(() -> ContainerRecords.container(broken))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INTERNAL))
                .hasMessage("stored config of container c1 is unreadable");
    }

    @Test
    void theRecordedRuntimeCountsOnlyWhileItsBinaryIsExecutable() {
        ContainerRow r = f.row(f.container("c1", Container.State.RUNNING, "runc"));
        assertThat(ContainerRecords.recordedHandler("old", r)).contains(
                new HandlerConfig("old", f.runc().path(), f.runc().root(), List.of()));
        ContainerRow gone = ContainerRecords.row(f.container("c2", Container.State.RUNNING, "old"), List.of(),
                new HandlerConfig("old", Path.of("/nonexistent/runc"), Path.of("/run/old"), List.of()));
        assertThat(ContainerRecords.recordedHandler("old", gone)).isEmpty();
        ContainerRow none = new ContainerRow(r.id(), r.podId(), r.name(), r.attempt(), r.config(), r.imageId(), r.state(),
                r.createdAt(), r.startedAt(), r.finishedAt(), r.exitCode(), r.reason(), r.message(), r.pid(), "{}");
        assertThat(ContainerRecords.recordedHandler("old", none)).isEmpty();
    }

    @Test
    void anIntentIsNotListedUntilTheRecordIsComplete() {
        Container c = f.container("c1", Container.State.CREATED, "runc");
        f.insert(ContainerRecords.intent(f.row(c)));
        assertThat(records.all()).isEmpty();
        assertThat(records.creating()).extracting(ContainerRow::id).containsExactly("c1");
        f.insert(ContainerRecords.intent(f.row(c))); // a second insert of the same intent is refused quietly
        assertThat(records.creating()).hasSize(1);
    }

    @Test
    void savingARemovedContainerIsNotFound() {
        Container c = f.container("c1", Container.State.RUNNING, "runc");
        f.insert(f.row(c));
        records.save(c.exited(0, Instant.parse("2026-01-03T00:00:00Z"), "Completed", ""));
        assertThat(ContainerRecords.container(records.byId("c1").orElseThrow()).state()).isEqualTo(Container.State.EXITED);
        records.delete("c1");
        assertThatThrownBy(() -> records.save(c))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.NOT_FOUND))
                .hasMessage("container c1 is gone");
    }

    @Test
    void freshIdsAreLongHexAndUnused() {
        String id = records.newId();
        assertThat(id).matches("[0-9a-f]{64}");
        assertThat(records.newId()).isNotEqualTo(id);
    }

    @Test
    void aPodsContainersComeNewestFirstWithoutIntents() {
        Container old = f.container("old", Container.State.RUNNING, "runc");
        Container newer = new Container("newer", old.podId(), ContainerFixture.config("newer-name", 0), old.imageName(),
                old.imageId(), old.imageRef(), Container.State.CREATED, old.createdAt().plusSeconds(5), null, null, null,
                "", "", 0, old.bundle(), old.logPath(), "runc");
        f.insert(f.row(newer));
        f.insert(f.row(old));
        f.insert(ContainerRecords.intent(f.row(f.container("creating", Container.State.CREATED, "runc"))));
        assertThat(records.ofPod(old.podId())).extracting(ContainerRow::id).containsExactly("newer", "old");
        assertThat(records.ofPod("another-pod")).isEmpty();
    }
}
