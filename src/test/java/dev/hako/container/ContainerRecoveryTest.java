package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.config.HandlerConfig;
import dev.hako.store.ContainerRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What recovery decides for each record after a restart, given exit files and what the runtime (the
 * real runc, which knows none of these containers) says; and how an intent left by a crash is undone.
 * A container the runtime still runs stays RUNNING: RestartSurvivalIT (it needs root to run one).
 */
class ContainerRecoveryTest {
    private ContainerFixture f;
    private ContainerRecords records;
    private ContainerBundles bundles;
    private ContainerRecovery recovery;

    @BeforeEach
    void setUp() throws Exception {
        f = new ContainerFixture();
        records = new ContainerRecords(f.store);
        bundles = new ContainerBundles(f.config);
        recovery = new ContainerRecovery(records, bundles, new ContainerExits(f.conmon, records, new ContainerLocks(),
                new ContainerEvents(null, records)),
                f.runtimes);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    private Container stored(String id) {
        return ContainerRecords.container(records.byId(id).orElseThrow());
    }

    @Test
    void anExitFileDecidesHowTheContainerEnded() throws Exception {
        f.insert(f.row(f.container("done", Container.State.RUNNING, "runc")));
        f.insert(f.row(f.container("failed", Container.State.RUNNING, "runc")));
        f.exitFile("done", 0);
        f.exitFile("failed", 3);

        assertThat(recovery.reconcile()).isEqualTo(new ContainerRecovery.Counts(0, 2, 0));

        assertThat(stored("done").state()).isEqualTo(Container.State.EXITED);
        assertThat(stored("done").reason()).isEqualTo("Completed");
        assertThat(stored("done").exitCode()).isZero();
        assertThat(stored("failed").reason()).isEqualTo("Error");
        assertThat(stored("failed").exitCode()).isEqualTo(3);
        // an exit file is enough: had runc been asked, it would have said "gone" (exit 255, Unknown)
    }

    @Test
    void aContainerTheRuntimeForgotIsUnknown() throws Exception {
        f.insert(f.row(f.container("lost", Container.State.CREATED, "runc")));

        assertThat(recovery.reconcile()).isEqualTo(new ContainerRecovery.Counts(0, 1, 0));

        Container lost = stored("lost");
        assertThat(lost.state()).isEqualTo(Container.State.EXITED);
        assertThat(lost.exitCode()).isEqualTo(255);
        assertThat(lost.reason()).isEqualTo("Unknown");
        assertThat(lost.message()).isEqualTo("the container was gone when Hako restarted");
    }

    @Test
    void anExitedContainerIsLeftAsItIs() throws Exception {
        Container exited = f.container("old", Container.State.RUNNING, "runc")
                .exited(1, Instant.parse("2026-01-02T04:00:00Z"), "Error", "");
        f.insert(f.row(exited));
        assertThat(recovery.reconcile()).isEqualTo(new ContainerRecovery.Counts(0, 1, 0));
        assertThat(stored("old")).isEqualTo(exited);
    }

    @Test
    void aRecordThatCannotBeReconciledIsReportedRecoveryFailed() throws Exception {
        f.insert(f.row(f.container("orphaned", Container.State.RUNNING, "kata")));
        ContainerRow r = f.row(f.container("garbled", Container.State.RUNNING, "runc"));
        f.insert(new ContainerRow(r.id(), r.podId(), r.name(), r.attempt(), new byte[] {(byte) 0xff, 1}, r.imageId(),
                r.state(), r.createdAt(), r.startedAt(), r.finishedAt(), r.exitCode(), r.reason(), r.message(), r.pid(),
                r.details()));

        assertThat(recovery.reconcile()).isEqualTo(new ContainerRecovery.Counts(0, 0, 2));

        ContainerRow orphaned = records.byId("orphaned").orElseThrow();
        assertThat(orphaned.state()).isEqualTo("EXITED");
        assertThat(orphaned.exitCode()).isEqualTo(255);
        assertThat(orphaned.reason()).isEqualTo(ContainerService.RECOVERY_FAILED);
        assertThat(orphaned.message()).isEqualTo("Hako could not recover this container at start-up: "
                + "runtime handler \"kata\" is no longer configured");
        assertThat(records.byId("garbled").orElseThrow().message()).isEqualTo(
                "Hako could not recover this container at start-up: stored config of container garbled is unreadable");
    }

    @Test
    void anIntentIsUndoneWithTheRuntimeItRecordedEvenWhenItsHandlerIsGone() throws Exception {
        Container c = f.container("half", Container.State.CREATED, "gone");
        // recorded with the fixture's runc: its "delete --force" finds nothing and succeeds, where an
        // unknown runtime keeps the intent (the next test)
        f.insert(ContainerRecords.intent(f.row(c)));
        bundles.createDirectories("half");
        Files.writeString(c.bundle().resolve("config.json"), "{}");

        assertThat(recovery.reconcile()).isEqualTo(new ContainerRecovery.Counts(0, 0, 0));

        assertThat(records.creating()).isEmpty();
        assertThat(records.all()).isEmpty();
        assertThat(bundles.bundle("half")).doesNotExist();
        assertThat(bundles.layer("half")).doesNotExist();
    }

    @Test
    void anIntentWhoseRuntimeIsUnknownKeepsItsRowForTheNextStart() throws Exception {
        Container c = f.container("half", Container.State.CREATED, "gone");
        f.insert(ContainerRecords.intent(ContainerRecords.row(c, List.of(),
                new HandlerConfig("gone", Path.of("/nonexistent/runc"), Path.of("/run/gone"), List.of()))));
        bundles.createDirectories("half");

        recovery.reconcile();

        assertThat(records.creating()).extracting(ContainerRow::id).containsExactly("half");
        assertThat(bundles.bundle("half")).doesNotExist();
        assertThat(bundles.layer("half")).doesNotExist();
    }

    @Test
    void leftoversOfRemovedContainersGoAndThoseOfRecordsStay() throws Exception {
        f.insert(f.row(f.container("kept", Container.State.RUNNING, "runc")));
        bundles.createDirectories("kept");
        bundles.createDirectories("removed");

        recovery.reconcile();

        assertThat(bundles.bundle("kept")).isDirectory();
        assertThat(bundles.layer("kept")).isDirectory();
        assertThat(bundles.bundle("removed")).doesNotExist();
        assertThat(bundles.layer("removed")).doesNotExist();
    }
}
