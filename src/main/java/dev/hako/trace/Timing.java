package dev.hako.trace;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One finished phase of a pod's start-up.
 *
 * @param id         unique within its pod, from 1, in start order
 * @param parent     the enclosing phase's id, 0 for a CRI call
 * @param container  the container's name for CreateContainer and StartContainer, "" for the sandbox
 * @param startEpochNanos when it began, in nanoseconds since the epoch
 */
public record Timing(int id, int parent, String name, String container, long startEpochNanos, long durationNanos,
                     boolean failed) {

    public Timing renumbered(int offset) {
        return new Timing(id + offset, parent == 0 ? 0 : parent + offset, name, container, startEpochNanos, durationNanos,
                failed);
    }

    /**
     * The JSON shape PodSandboxStatus's {@code timings} uses: {@code start} as RFC 3339 with nanoseconds,
     * {@code duration_ms} with microsecond precision.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("parent", parent);
        m.put("name", name);
        m.put("container", container);
        m.put("start", Instant.ofEpochSecond(0, startEpochNanos).toString());
        m.put("duration_ms", Math.round(durationNanos / 1_000.0) / 1_000.0);
        if (failed) {
            m.put("failed", true);
        }
        return m;
    }
}
