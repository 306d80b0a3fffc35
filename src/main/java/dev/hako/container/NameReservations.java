package dev.hako.container;

import dev.hako.error.HakoException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Container names being created, per pod and attempt: the database's unique index would refuse the
 * second of two concurrent creates of one name only at the insert, after all its work, as INTERNAL.
 * A create reserves its name first; a second one is ALREADY_EXISTS at once, and a create that finds
 * the name free here and in the table holds it until its row is written or it failed.
 */
final class NameReservations {
    /** One create's hold on a name, for the container id it will have. */
    static final class Reservation implements AutoCloseable {
        private final Map<String, Reservation> owner;
        private final String key;
        private final String id;

        private Reservation(Map<String, Reservation> owner, String key, String id) {
            this.owner = owner;
            this.key = key;
            this.id = id;
        }

        String id() {
            return id;
        }

        @Override
        public void close() {
            owner.remove(key, this);
        }
    }

    private final Map<String, Reservation> held = new ConcurrentHashMap<>();

    /**
     * Reserves {@code name} (attempt {@code attempt}) in {@code podId} for container {@code id}, or throws
     * ALREADY_EXISTS naming the container being created under that name.
     */
    Reservation reserve(String podId, String name, int attempt, String id) {
        String key = podId + "/" + name + "/" + attempt;
        Reservation mine = new Reservation(held, key, id);
        Reservation other = held.putIfAbsent(key, mine);
        if (other != null) {
            throw HakoException.alreadyExists("container " + name + " (attempt " + attempt + ") already exists in pod "
                    + podId + " as " + other.id + " (being created)");
        }
        return mine;
    }
}
