package dev.hako.metrics;

import dev.hako.error.HakoException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What Hako records for Prometheus ({@code [metrics] address}), as one-line calls from where things
 * happen. Off until {@link #enable()}: then every call returns at once, and the Prometheus classes are
 * never loaded (they live in {@link Families}, a holder loaded on first use).
 *
 * <p>Names follow containerd's and CRI-O's, under the {@code hako_} prefix; the README lists them.
 */
public final class Metrics {
    private static volatile boolean on;

    private Metrics() {}

    /** A body timed by {@link #cni} or {@link #imagePull}, which may throw {@code E}. */
    @FunctionalInterface
    public interface Step<T, E extends Exception> {
        T run() throws E;
    }

    /** A body without a result. */
    @FunctionalInterface
    public interface Action<E extends Exception> {
        void run() throws E;
    }

    /** One container or pod state under one runtime handler, and how many are in it. */
    public record StateCount(String state, String handler, long count) {}

    /** Turns recording on (the daemon, when {@code [metrics] address} is set). */
    public static void enable() {
        on = true;
    }

    public static boolean enabled() {
        return on;
    }

    /** A start time for the calls taking {@code startNanos}. */
    public static long now() {
        return System.nanoTime();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    // ---- CRI calls

    /** A finished gRPC call: {@code method} is the bare method name, {@code code} the gRPC status code's name. */
    public static void rpc(String method, String code, long startNanos) {
        if (on) {
            Families.RPC_REQUESTS.labelValues(method, code).inc();
            Families.RPC_DURATION.labelValues(method, code).observe(seconds(startNanos));
        }
    }

    // ---- pod start

    /** A pod-start phase that succeeded: sandbox, network, infra, create or start. */
    public static void podStartPhase(String phase, String handler, long startNanos) {
        if (on) {
            Families.POD_START_PHASE.labelValues(phase, handler).observe(seconds(startNanos));
        }
    }

    // ---- images

    /** Times a pull: counted when it returns, with its reason (the gRPC code) when it throws. */
    public static <T, E extends Exception> T imagePull(Step<T, E> pull) throws E {
        if (!on) {
            return pull.run();
        }
        long start = System.nanoTime();
        try {
            T result = pull.run();
            Families.IMAGE_PULLS.inc();
            Families.IMAGE_PULL_DURATION.observe(seconds(start));
            return result;
        } catch (Exception | Error e) {
            Families.IMAGE_PULL_FAILURES.labelValues(reason(e)).inc();
            throw e;
        }
    }

    /** The size of an image a pull fetched (config and compressed layers, as its manifest gives them). */
    public static void imagePullBytes(long bytes) {
        if (on && bytes > 0) {
            Families.IMAGE_PULL_BYTES.inc(bytes);
        }
    }

    // ---- network

    /** Times a CNI operation ({@code add}, {@code del}), counting it and its failure. */
    public static <T, E extends Exception> T cni(String operation, Step<T, E> op) throws E {
        if (!on) {
            return op.run();
        }
        long start = System.nanoTime();
        try {
            return op.run();
        } catch (Exception | Error e) {
            Families.CNI_ERRORS.labelValues(operation).inc();
            throw e;
        } finally {
            Families.CNI_OPERATIONS.labelValues(operation).inc();
            Families.CNI_DURATION.labelValues(operation).observe(seconds(start));
        }
    }

    /** {@link #cni} for an operation without a result. */
    public static <E extends Exception> void cniRun(String operation, Action<E> op) throws E {
        cni(operation, () -> {
            op.run();
            return null;
        });
    }

    // ---- processes and containers

    /** conmon ({@code process} "conmon") or the OCI runtime ("runtime") failed at {@code operation}. */
    public static void processFailure(String process, String handler, String operation) {
        if (on) {
            Families.PROCESS_FAILURES.labelValues(process, handler, operation).inc();
        }
    }

    /** The kernel OOM-killed in a container's cgroup (its exit file said so). */
    public static void oomKill(String handler) {
        if (on) {
            Families.OOM_KILLS.labelValues(handler).inc();
        }
    }

    /**
     * Counts of pods and of containers by state and handler, asked for at each scrape. Call once, after
     * {@link #enable()}.
     */
    public static void stateCounts(Supplier<List<StateCount>> pods, Supplier<List<StateCount>> containers) {
        if (on) {
            Families.stateGauges(pods, containers);
        }
    }

    /** {@code items} tallied by state and handler, in a stable order. */
    public static <T> List<StateCount> tally(Collection<T> items, Function<T, String> state, Function<T, String> handler) {
        Map<List<String>, Long> n = new TreeMap<>((a, b) -> a.get(0).equals(b.get(0))
                ? a.get(1).compareTo(b.get(1)) : a.get(0).compareTo(b.get(0)));
        for (T item : items) {
            n.merge(List.of(state.apply(item), handler.apply(item)), 1L, Long::sum);
        }
        return n.entrySet().stream().map(e -> new StateCount(e.getKey().get(0), e.getKey().get(1), e.getValue())).toList();
    }

    /** The gRPC code a failure answers with, as the {@code reason} label. */
    static String reason(Throwable t) {
        return t instanceof HakoException h ? h.kind().name() : "INTERNAL";
    }
}
