package dev.hako.image.registry;

import dev.hako.error.HakoException;
import dev.hako.error.HakoException.Kind;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/**
 * A response body read under the limits a hostile server must not escape: at most {@code limit}
 * bytes (the byte after the last allowed one fails the read, before it reaches the caller), a total
 * deadline, and no silence longer than the stall window. The JDK client has no body timeout, so a
 * watchdog closes the body when time runs out; the blocked read then fails and {@link #failure()}
 * says why.
 */
public final class GuardedBody extends FilterInputStream {
    /** A body that delivers nothing for this long is abandoned, however long its deadline. */
    public static final Duration STALL = Duration.ofSeconds(60);

    private final String source;
    private final long limit;
    private final Duration deadline;
    private final Duration stall;
    private final long startNanos = System.nanoTime();
    private final Thread watchdog;
    private long count;
    private volatile long lastByteNanos = startNanos;
    private volatile HakoException failure;

    /**
     * @param source   how messages name the sender, e.g. {@code https://registry.example.com}
     * @param limit    bytes the body may hold; -1 for no limit
     * @param deadline time from now to the last byte
     */
    GuardedBody(InputStream in, String source, long limit, Duration deadline, Duration stall) {
        super(in);
        this.source = source;
        this.limit = limit;
        this.deadline = deadline;
        this.stall = stall;
        this.watchdog = Thread.ofVirtual().name("body-watchdog").start(this::watch);
    }

    /** Why the body was cut off (too long, too slow, stalled), or null while it is within its limits. */
    public HakoException failure() {
        return failure;
    }

    /** Bytes delivered so far. */
    public long count() {
        return count;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n;
        try {
            n = in.read(buf, off, len);
        } catch (IOException e) {
            throw failure != null ? new IOException(failure.getMessage(), e) : e;
        }
        if (failure != null) {
            throw new IOException(failure.getMessage());
        }
        if (n > 0) {
            count += n;
            lastByteNanos = System.nanoTime();
            if (limit >= 0 && count > limit) {
                trip(new HakoException(Kind.DATA_LOSS, source + " sent more than the " + limit
                        + " bytes the descriptor declares"));
                throw new IOException(failure.getMessage());
            }
        } else if (n < 0) {
            watchdog.interrupt();
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] scratch = new byte[(int) Math.min(8192, Math.max(1, n))];
        long skipped = 0;
        while (skipped < n) {
            int r = read(scratch, 0, (int) Math.min(scratch.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public void close() throws IOException {
        watchdog.interrupt();
        in.close();
    }

    private void watch() {
        long deadlineNanos = startNanos + deadline.toNanos();
        try {
            while (true) {
                long now = System.nanoTime();
                long stallAt = lastByteNanos + stall.toNanos();
                if (now - deadlineNanos >= 0) {
                    trip(new HakoException(Kind.DEADLINE_EXCEEDED, source + " did not deliver it within "
                            + seconds(deadline) + " (image.download_timeout, plus 1 s per image.download_min_rate bytes)"));
                    return;
                }
                if (now - stallAt >= 0) {
                    trip(new HakoException(Kind.UNAVAILABLE, source + " sent nothing for " + seconds(stall)
                            + "; abandoned"));
                    return;
                }
                Thread.sleep(Duration.ofNanos(Math.min(deadlineNanos - now, stallAt - now) + 1_000_000));
            }
        } catch (InterruptedException done) {
            // the body was read to its end or closed
        }
    }

    /** Records the first failure and closes the body so a read blocked on the network returns. */
    private void trip(HakoException why) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = why;
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // the read that follows reports the failure
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
