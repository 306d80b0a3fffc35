package dev.hako.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.error.HakoException;
import org.junit.jupiter.api.Test;

/** A pod's identity is reserved while it is being created, so a second RunPodSandbox for it fails. */
class PodReservationsTest {
    private static final SandboxPlan WEB = SandboxPlan.of(PodSandboxConfig.newBuilder().setMetadata(
            PodSandboxMetadata.newBuilder().setName("web-0").setNamespace("shop").setUid("u-1").setAttempt(2)).build());

    private final PodReservations reservations = new PodReservations();

    @Test
    void aSecondCreateOfTheSamePodFailsWhileTheFirstRuns() {
        String id = reservations.reserve(WEB, () -> {}, candidate -> false);

        assertThat(id).hasSize(64);
        assertThat(reservations.ids()).containsExactly(id);
        assertThatThrownBy(() -> reservations.reserve(WEB, () -> {}, candidate -> false))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind())
                        .isEqualTo(HakoException.Kind.ALREADY_EXISTS))
                .hasMessage("pod sandbox shop/web-0 (uid u-1, attempt 2) already exists (still being created): " + id);

        reservations.release(WEB);
        assertThat(reservations.ids()).isEmpty();
        assertThat(reservations.reserve(WEB, () -> {}, candidate -> false)).isNotEqualTo(id);
    }

    @Test
    void aStoredPodRefusesTheReservationAndLeavesNoneBehind() {
        assertThatThrownBy(() -> reservations.reserve(WEB, () -> {
            throw PodReservations.alreadyExists(WEB, "stored-id", "");
        }, candidate -> false)).hasMessageEndingWith("already exists: stored-id");

        assertThat(reservations.ids()).isEmpty();
    }
}
