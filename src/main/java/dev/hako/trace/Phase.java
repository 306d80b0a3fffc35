package dev.hako.trace;

/**
 * One timed step: a CRI call, or a part of one. Closing it (try-with-resources) ends its span and,
 * inside a timed call, records its duration; closing twice does nothing. Everything it knows of
 * OpenTelemetry is an {@code Object} handed to {@link OtelTracing}, so that this class, used on every
 * call, loads no OpenTelemetry class when tracing is off.
 */
public final class Phase implements AutoCloseable {
    /** The phase nobody reads: every method returns at once. */
    public static final Phase NONE = new Phase();

    /** Wall-clock nanoseconds at a nanoTime reading, to turn phase starts into dates cheaply. */
    private static final long EPOCH_NANOS_AT_ORIGIN;
    private static final long ORIGIN = System.nanoTime();

    static {
        java.time.Instant now = java.time.Instant.now();
        EPOCH_NANOS_AT_ORIGIN = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private final String name;
    private final Phase parent;
    private final CallRecord record;
    private final Object span;
    private final OtelTracing tracing;
    private final int id;
    private final long startNanos;
    private volatile boolean open = true;
    private volatile boolean failed;

    private Phase() {
        this.name = "";
        this.parent = null;
        this.record = null;
        this.span = null;
        this.tracing = null;
        this.id = 0;
        this.startNanos = 0;
        this.open = false;
    }

    Phase(String name, Phase parent, CallRecord record, Object span, OtelTracing tracing) {
        this.name = name;
        this.parent = parent;
        this.record = record;
        this.span = span;
        this.tracing = tracing;
        this.id = record == null ? 0 : record.nextId();
        this.startNanos = System.nanoTime();
    }

    /** An attribute of the span (the timings keep only names and times). */
    public Phase attribute(String key, String value) {
        if (span != null && value != null) {
            OtelTracing.attribute(span, key, value);
        }
        return this;
    }

    public Phase attribute(String key, long value) {
        if (span != null) {
            OtelTracing.attribute(span, key, value);
        }
        return this;
    }

    /** The phase failed with {@code t}: the span's status says so and records the exception. */
    public void failed(Throwable t) {
        if (this == NONE) {
            return;
        }
        failed = true;
        if (span != null) {
            OtelTracing.failed(span, t);
        }
    }

    /** The gRPC status a call ended with, as {@code rpc.grpc.status_code}; any but OK marks the span failed. */
    public void status(int code, String description) {
        if (this == NONE) {
            return;
        }
        failed |= code != 0;
        if (span != null) {
            OtelTracing.status(span, code, description);
        }
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        open = false;
        long duration = System.nanoTime() - startNanos;
        Trace.closed(this);
        if (span != null) {
            OtelTracing.end(span);
        }
        if (record != null) {
            record.add(new Timing(id, parent == null ? 0 : parent.id, name, record.container(),
                    EPOCH_NANOS_AT_ORIGIN + (startNanos - ORIGIN), duration, failed));
            String pod = record.podId();
            if (parent == null && pod != null) {
                Trace.file(pod, record.byStart());
            }
        }
    }

    boolean open() {
        return open;
    }

    Phase parent() {
        return parent;
    }

    CallRecord record() {
        return record;
    }

    OtelTracing tracing() {
        return tracing;
    }

    Object childSpan(String childName) {
        return span == null ? null : tracing.child(childName, span);
    }

    void tagPod(String podId, String container) {
        Phase root = this;
        while (root.parent != null) {
            root = root.parent;
        }
        if (root.record != null) {
            root.record.pod(podId, container);
        }
        if (root.span != null) {
            OtelTracing.attribute(root.span, "hako.pod_sandbox_id", podId);
            if (container != null && !container.isEmpty()) {
                OtelTracing.attribute(root.span, "hako.container_name", container);
            }
        }
    }

    @Override
    public String toString() {
        return this == NONE ? "Phase.NONE" : "Phase[" + name + "]";
    }
}
