package dev.hako.pod;

import dev.hako.error.HakoException;
import dev.hako.store.Ids;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The pods being created, by kubelet identity ({@link SandboxPlan#key}) → ID. A RunPodSandbox
 * reserves its pod's identity here before its intent row exists, so two concurrent calls for one
 * pod cannot both create it, and recovery leaves the directories of pods still being made alone.
 */
final class PodReservations {
    private final Map<String, String> byKey = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();

    /**
     * Reserves {@code plan}'s identity under a fresh ID and returns the ID. Under one lock: ALREADY_EXISTS
     * when the identity is being created already, then {@code checkStored} (which throws when a stored
     * pod has it), then an ID that neither {@code taken} nor any reservation holds.
     */
    String reserve(SandboxPlan plan, Runnable checkStored, Predicate<String> taken) {
        String key = plan.key();
        lock.lock();
        try {
            String inFlight = byKey.get(key);
            if (inFlight != null) {
                throw alreadyExists(plan, inFlight, " (still being created)");
            }
            checkStored.run();
            String id = Ids.fresh(candidate -> taken.test(candidate) || byKey.containsValue(candidate));
            byKey.put(key, id);
            return id;
        } finally {
            lock.unlock();
        }
    }

    /** Ends the reservation of {@code plan}'s identity, once its creation succeeded or was undone. */
    void release(SandboxPlan plan) {
        lock.lock();
        try {
            byKey.remove(plan.key());
        } finally {
            lock.unlock();
        }
    }

    /** The IDs of the pods being created right now. */
    Set<String> ids() {
        lock.lock();
        try {
            return new HashSet<>(byKey.values());
        } finally {
            lock.unlock();
        }
    }

    static HakoException alreadyExists(SandboxPlan plan, String id, String note) {
        return HakoException.alreadyExists("pod sandbox " + plan.describe() + " (uid " + plan.uid() + ", attempt "
                + Integer.toUnsignedString(plan.attempt()) + ") already exists" + note + ": " + id);
    }
}
