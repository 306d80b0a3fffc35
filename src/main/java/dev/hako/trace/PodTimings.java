package dev.hako.trace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The start-up phases of each pod, in memory (a restarted daemon knows none), bounded in pods (the
 * oldest-touched pod goes first) and in phases per pod (later ones are dropped: start-up is what they
 * are for, and a container restarting all day must not grow them without end).
 */
final class PodTimings {
    static final int MAX_PODS = 2048;
    static final int MAX_PER_POD = 512;

    private final int maxPods;
    private final int maxPerPod;
    private final Map<String, List<Timing>> byPod;

    PodTimings(int maxPods, int maxPerPod) {
        this.maxPods = maxPods;
        this.maxPerPod = maxPerPod;
        this.byPod = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, List<Timing>> eldest) {
                return size() > PodTimings.this.maxPods;
            }
        };
    }

    /** Appends one call's phases, renumbered after those already kept for the pod. */
    synchronized void add(String podId, List<Timing> call) {
        List<Timing> kept = byPod.computeIfAbsent(podId, k -> new ArrayList<>());
        int offset = kept.isEmpty() ? 0 : kept.getLast().id();
        if (kept.size() + call.size() > maxPerPod) {
            return; // a call's phases are kept whole or not at all: half a tree would mislead
        }
        for (Timing t : call) {
            kept.add(t.renumbered(offset));
        }
    }

    synchronized List<Timing> of(String podId) {
        List<Timing> kept = byPod.get(podId);
        return kept == null ? List.of() : List.copyOf(kept);
    }

    synchronized void forget(String podId) {
        byPod.remove(podId);
    }
}
