package dev.hako.monitor;

/** TEMPORARY profiling aid (issue 14): per-request step timings, logged as one line at the end. */
public final class Trace {
    private static final dev.hako.log.Log LOG = dev.hako.log.Log.of("trace");
    private static final ThreadLocal<StringBuilder> STEPS = new ThreadLocal<>();
    private static final ThreadLocal<long[]> LAST = new ThreadLocal<>();

    private Trace() {}

    public static void begin() {
        STEPS.set(new StringBuilder());
        LAST.set(new long[] {System.nanoTime(), System.nanoTime()});
    }

    public static void mark(String step) {
        StringBuilder b = STEPS.get();
        if (b == null) {
            return;
        }
        long now = System.nanoTime();
        long[] last = LAST.get();
        b.append(step).append(':').append(String.format("%.1f", (now - last[0]) / 1e6)).append(' ');
        last[0] = now;
    }

    public static void end(String rpc) {
        StringBuilder b = STEPS.get();
        if (b == null) {
            return;
        }
        mark("end");
        LOG.info("trace", "rpc", rpc, "total", String.format("%.1f", (System.nanoTime() - LAST.get()[1]) / 1e6),
                "steps", b.toString().strip());
        STEPS.remove();
    }
}
