package dev.hako.pod;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Calls on one pod share one lock, whichever call asks. */
class PodLocksTest {
    @Test
    void onePodAlwaysGetsTheSameLock() {
        PodLocks locks = new PodLocks();
        assertThat(locks.forPod("abc")).isSameAs(locks.forPod(new String("abc")));
    }
}
