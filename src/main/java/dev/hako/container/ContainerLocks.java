package dev.hako.container;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One lifecycle change at a time per container; different containers proceed in parallel. */
final class ContainerLocks {
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    /** The monitor to synchronize on while changing container {@code id}. */
    Object of(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    /** Drops the lock of a removed container. */
    void forget(String id) {
        locks.remove(id);
    }
}
