package dev.hako.image;

/** TEMPORARY: phase timestamps of a pull, for profiling. */
public final class PullTrace {
    public static volatile long t0 = System.nanoTime();
    private static final dev.hako.log.Log LOG = dev.hako.log.Log.of("image");

    public static void start() {
        t0 = System.nanoTime();
    }

    public static void mark(String what, Object detail) {
        LOG.info("pull-phase", "at", (System.nanoTime() - t0) / 1_000_000, "what", what, "x", String.valueOf(detail),
                "mono", String.format("%.6f", System.nanoTime() / 1e9), "thread", Thread.currentThread().toString());
    }
}
