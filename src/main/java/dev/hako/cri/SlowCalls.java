package dev.hako.cri;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which finished calls deserve a "slow call" warning: over {@link #THRESHOLD}, at most one line per
 * RPC per {@link #INTERVAL} (a node under pressure makes every call slow, and one line a minute
 * says so as well as a thousand), with the number of slow calls not logged since. Calls whose
 * length the caller chose are left out: a pull, ExecSync (the user's command), stops (the grace
 * period) and the events stream.
 */
final class SlowCalls {
    static final Duration THRESHOLD = Duration.ofSeconds(1);
    static final Duration INTERVAL = Duration.ofMinutes(1);
    private static final Set<String> LONG_BY_DESIGN =
            Set.of("PullImage", "ExecSync", "StopContainer", "StopPodSandbox", "GetContainerEvents");

    /** The last warning's time per RPC, and how many slow calls went unlogged since. */
    private record Window(AtomicLong lastWarned, AtomicLong suppressed) {}

    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    /**
     * -1 when this call needs no warning; otherwise the number of earlier slow calls of {@code rpc}
     * that were not logged (0 or more).
     */
    long warn(String rpc, long elapsedNanos, long nowNanos) {
        if (elapsedNanos < THRESHOLD.toNanos() || LONG_BY_DESIGN.contains(rpc)) {
            return -1;
        }
        Window w = windows.computeIfAbsent(rpc, r -> new Window(new AtomicLong(nowNanos - INTERVAL.toNanos()),
                new AtomicLong()));
        long last = w.lastWarned().get();
        if (nowNanos - last >= INTERVAL.toNanos() && w.lastWarned().compareAndSet(last, nowNanos)) {
            return w.suppressed().getAndSet(0);
        }
        w.suppressed().incrementAndGet();
        return -1;
    }
}
