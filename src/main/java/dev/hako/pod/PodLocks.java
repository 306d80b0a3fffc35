package dev.hako.pod;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Serialises the calls on one pod while calls on different pods run in parallel: a fixed set of
 * striped locks, chosen by the pod's ID, so no lock is ever created or forgotten per pod.
 */
final class PodLocks {
    private static final int STRIPES = 64;

    private final ReentrantLock[] locks = new ReentrantLock[STRIPES];

    PodLocks() {
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantLock();
        }
    }

    /** The lock guarding the pod with this (full) ID. */
    ReentrantLock forPod(String id) {
        return locks[Math.floorMod(id.hashCode(), locks.length)];
    }
}
