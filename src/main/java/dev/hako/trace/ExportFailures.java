package dev.hako.trace;

import dev.hako.log.Log;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The OTLP exporter, with its failures logged at most once a minute with the count since the last line:
 * a collector that is down for an hour is one line a minute, not one per batch.
 */
final class ExportFailures implements SpanExporter {
    private static final Log LOG = Log.of("trace");

    private final SpanExporter delegate;
    private final String url;
    private final RateLimit limit = new RateLimit(RateLimit.MINUTE);

    ExportFailures(SpanExporter delegate, String url) {
        this.delegate = delegate;
        this.url = url;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        CompletableResultCode result = delegate.export(spans);
        int n = spans.size();
        result.whenComplete(() -> {
            if (!result.isSuccess()) {
                long unlogged = limit.admit(System.nanoTime(), n);
                if (unlogged >= 0) {
                    Throwable why = result.getFailureThrowable();
                    LOG.warn("cannot export trace spans; they are dropped", "endpoint", url,
                            "spans_dropped", unlogged,
                            "error", why == null ? "the collector refused them"
                                    : why.getMessage() == null ? why.toString() : why.getMessage());
                }
            }
        });
        return result;
    }

    @Override
    public CompletableResultCode flush() {
        return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return delegate.shutdown();
    }

    /** Admits one event per interval; counts what it held back so the next admitted line can say how many. */
    static final class RateLimit {
        static final long MINUTE = 60_000_000_000L;
        private final long intervalNanos;
        private final AtomicLong last = new AtomicLong(Long.MIN_VALUE);
        private final AtomicLong held = new AtomicLong();

        RateLimit(long intervalNanos) {
            this.intervalNanos = intervalNanos;
        }

        /** -1 when held back; otherwise the total {@code weight} since the last admitted event, this one included. */
        long admit(long nowNanos, long weight) {
            long total = held.addAndGet(weight);
            long before = last.get();
            if ((before == Long.MIN_VALUE || nowNanos - before >= intervalNanos) && last.compareAndSet(before, nowNanos)) {
                held.addAndGet(-total);
                return total;
            }
            return -1;
        }
    }
}
