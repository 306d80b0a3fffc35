package dev.hako.trace;

import java.util.List;
import java.util.function.Function;

/**
 * Where Hako's time goes, as one-line calls from where things happen: every CRI call is a {@link Phase},
 * and so is every step inside it (namespace pinning, each CNI plugin, spec generation, conmon, the runtime,
 * each layer of a pull). Two consumers read them:
 * <ul>
 *   <li>OpenTelemetry, only when {@code [tracing] endpoint} is set ({@link #enable}): the SDK lives in
 *       {@link OtelTracing}, a class loaded only then, so a daemon without tracing never loads it;</li>
 *   <li>the pod start-up timings, always: the phases of RunPodSandbox, CreateContainer and StartContainer
 *       are kept per pod ({@link PodTimings}) for {@code hako trace POD}.</li>
 * </ul>
 * With neither (any call but those three, tracing off) a phase is the shared {@link Phase#NONE} and costs a
 * thread-local read. The current phase is a thread-local, set by the CRI interceptor on whichever virtual
 * thread runs the call, and handed to other threads with {@link #resume}.
 */
public final class Trace {
    private static final ThreadLocal<Phase> CURRENT = new ThreadLocal<>();
    private static final PodTimings TIMINGS = new PodTimings(PodTimings.MAX_PODS, PodTimings.MAX_PER_POD);
    private static volatile OtelTracing otel;

    private Trace() {}

    /** Restores the phase that was current before {@link #resume}. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Starts exporting spans over OTLP/HTTP to {@code tracesUrl}, sampling {@code perMillion} of new
     * traces (a trace begun by the caller keeps the caller's decision).
     */
    public static synchronized void enable(String tracesUrl, long perMillion, String version) {
        if (otel == null) {
            otel = OtelTracing.start(tracesUrl, perMillion, version);
        }
    }

    public static boolean exporting() {
        return otel != null;
    }

    /** Exports what is still queued and stops exporting (the daemon's stop). */
    public static synchronized void shutdown() {
        OtelTracing o = otel;
        otel = null;
        if (o != null) {
            o.shutdown();
        }
    }

    /**
     * The phase of one incoming call, or {@link Phase#NONE} when nobody would read it.
     *
     * @param fullMethod the gRPC method ("runtime.v1.RuntimeService/RunPodSandbox"), the span's name
     * @param shortName  its bare name, as the timings show it
     * @param timed      whether its phases belong to a pod's start-up timings
     * @param header     the call's metadata, for the caller's W3C {@code traceparent} and {@code tracestate}
     */
    public static Phase call(String fullMethod, String shortName, boolean timed, Function<String, String> header) {
        OtelTracing o = otel;
        if (o == null && !timed) {
            return Phase.NONE;
        }
        CallRecord record = timed ? new CallRecord() : null;
        Object span = o == null ? null : o.server(fullMethod, header);
        return new Phase(shortName, null, record, span, o);
    }

    /** A body run as a phase by {@link #in}, which may throw {@code E}. */
    @FunctionalInterface
    public interface Step<T, E extends Exception> {
        T run() throws E;
    }

    /** A body without a result. */
    @FunctionalInterface
    public interface Action<E extends Exception> {
        void run() throws E;
    }

    /** Runs {@code step} as phase {@code name}; a throw marks the phase failed. */
    public static <T, E extends Exception> T in(String name, Step<T, E> step) throws E {
        try (Phase p = phase(name)) {
            try {
                return step.run();
            } catch (Exception | Error e) {
                p.failed(e);
                throw e;
            }
        }
    }

    /** {@link #in} for a body without a result. */
    public static <E extends Exception> void run(String name, Action<E> action) throws E {
        in(name, () -> {
            action.run();
            return null;
        });
    }

    /** A step of the current phase, made current until it is closed; NONE outside any call. */
    public static Phase phase(String name) {
        Phase parent = CURRENT.get();
        if (parent == null || parent == Phase.NONE || !parent.open()) {
            return Phase.NONE;
        }
        Phase p = new Phase(name, parent, parent.record(), parent.childSpan(name), parent.tracing());
        CURRENT.set(p);
        return p;
    }

    /** The current phase, to hand to another thread; NONE outside any call. */
    public static Phase current() {
        Phase p = CURRENT.get();
        return p == null ? Phase.NONE : p;
    }

    /** Makes {@code p} current on this thread until the scope is closed. */
    public static Scope resume(Phase p) {
        Phase before = CURRENT.get();
        CURRENT.set(p);
        return () -> restore(before);
    }

    /**
     * Files the current call's phases under pod {@code podId} (and, for a container's calls, its name),
     * once the call ends; tags its span with both.
     */
    public static void pod(String podId, String container) {
        Phase p = CURRENT.get();
        if (p != null) {
            p.tagPod(podId, container);
        }
    }

    /** The recorded start-up phases of pod {@code podId}, oldest first; empty when none are kept. */
    public static List<Timing> timings(String podId) {
        return TIMINGS.of(podId);
    }

    /** Drops the pod's timings (RemovePodSandbox). */
    public static void forget(String podId) {
        TIMINGS.forget(podId);
    }

    static void restore(Phase p) {
        if (p == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(p);
        }
    }

    /** A finished phase leaves the current slot to its parent, when it still holds it. */
    static void closed(Phase p) {
        if (CURRENT.get() == p) {
            restore(p.parent());
        }
    }

    static void file(String podId, List<Timing> call) {
        TIMINGS.add(podId, call);
    }
}
