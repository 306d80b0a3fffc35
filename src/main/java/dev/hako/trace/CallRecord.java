package dev.hako.trace;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The phases of one timed CRI call as they finish, and the pod they belong to once the service has said
 * so; filed with {@link PodTimings} when the call's own phase ends.
 */
final class CallRecord {
    private final AtomicInteger ids = new AtomicInteger();
    private final List<Timing> finished = new ArrayList<>();
    private volatile String podId;
    private volatile String container = "";

    int nextId() {
        return ids.incrementAndGet();
    }

    void pod(String id, String containerName) {
        podId = id;
        container = containerName == null ? "" : containerName;
    }

    String podId() {
        return podId;
    }

    String container() {
        return container;
    }

    synchronized void add(Timing t) {
        finished.add(t);
    }

    synchronized List<Timing> byStart() {
        List<Timing> out = new ArrayList<>(finished);
        out.sort(Comparator.comparingInt(Timing::id));
        return out;
    }
}
