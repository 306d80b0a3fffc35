package dev.hako.pod;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.pod.PodRecovery.Outcome;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What recovery decides at start-up, given what it finds of each pod. */
class PodRecoveryTest {
    private static final Path DIR = Path.of("/state/pods/abc");
    private static final PodDetails OWN_NAMESPACES = new PodDetails(DIR, "web-0", DIR.resolve("ns"),
            DIR.resolve("ns/net"), DIR.resolve("ns/ipc"), DIR.resolve("ns/uts"), DIR.resolve("shm"),
            false, false, List.of("10.88.0.7"), 0);

    @Test
    void onlyAReadyPodWithEverythingInPlaceStaysReady() {
        assertThat(PodRecovery.outcome(Pod.State.READY, List.of(), false)).isEqualTo(Outcome.STAYS_READY);
        assertThat(PodRecovery.outcome(Pod.State.READY, List.of(DIR.resolve("shm")), false))
                .isEqualTo(Outcome.BECOMES_NOT_READY);
        assertThat(PodRecovery.outcome(Pod.State.READY, List.of(), true)).isEqualTo(Outcome.BECOMES_NOT_READY);
        assertThat(PodRecovery.outcome(Pod.State.NOTREADY, List.of(), false)).isEqualTo(Outcome.STAYS_NOT_READY);
        assertThat(PodRecovery.outcome(Pod.State.NOTREADY, List.of(DIR.resolve("ns")), true))
                .isEqualTo(Outcome.STAYS_NOT_READY);
    }

    @Test
    void missingMountsAreTheOnesNoLongerMountedInTheOrderTheyWereMade() {
        assertThat(PodRecovery.missingMounts(OWN_NAMESPACES, p -> true)).isEmpty();
        assertThat(PodRecovery.missingMounts(OWN_NAMESPACES, p -> false)).containsExactly(DIR.resolve("ns"),
                DIR.resolve("ns/net"), DIR.resolve("ns/ipc"), DIR.resolve("ns/uts"), DIR.resolve("shm"));
        assertThat(PodRecovery.missingMounts(OWN_NAMESPACES, p -> !p.endsWith("shm")))
                .containsExactly(DIR.resolve("shm"));
    }

    @Test
    void aHostNamespacePodHoldsNoMountsSoNoneCanBeMissing() {
        PodDetails host = new PodDetails(DIR, "node", null, null, null, null, null, true, false, List.of(), 0);
        assertThat(PodRecovery.missingMounts(host, p -> false)).isEmpty();
        assertThat(PodRecovery.outcome(Pod.State.READY, PodRecovery.missingMounts(host, p -> false), false))
                .isEqualTo(Outcome.STAYS_READY);
    }

    @Test
    void aDirectoryIsLeftOverWhenNoRowIntentOrCreationInFlightOwnsIt() {
        Set<String> known = Set.of("stored", "intent");
        Set<String> inFlight = Set.of("creating");
        assertThat(PodRecovery.isLeftover("stored", known, inFlight)).isFalse();
        assertThat(PodRecovery.isLeftover("intent", known, inFlight)).isFalse();
        assertThat(PodRecovery.isLeftover("creating", known, inFlight)).isFalse();
        assertThat(PodRecovery.isLeftover("removed", known, inFlight)).isTrue();
    }
}
