package dev.hako.daemon;

import dev.hako.log.Log;
import dev.hako.sys.ThreadPriority;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Work that makes later calls faster but that no call needs now (probing the runtime handlers,
 * preparing the pull path). Run at once, it took ~200 ms of CPU from the kubelet's first call on a
 * 2-CPU node (bench/daemon-start); so it waits until the first CRI call has been answered, or a short
 * while when none comes, and then runs on a platform thread at a low CPU priority, which the
 * processes it starts inherit.
 */
final class AfterStart implements ServerInterceptor {
    private static final Log LOG = Log.of("daemon");
    /** Nice value of the background thread: ~10 % of a CPU when the daemon's calls want it all. */
    static final int NICE = 10;
    private final CountDownLatch firstCallAnswered = new CountDownLatch(1);
    private final long quietMillis;

    AfterStart() {
        this(2_000);
    }

    /** {@code quietMillis}: how long to wait for a first call before starting anyway. */
    AfterStart(long quietMillis) {
        this.quietMillis = quietMillis;
    }

    /** Starts {@code jobs}, in order, once the first call has been answered (or no call came for a while). */
    void run(List<Runnable> jobs) {
        Thread.ofPlatform().daemon().name("after-start").start(() -> {
            try {
                firstCallAnswered.await(quietMillis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            try {
                ThreadPriority.setCurrentNice(NICE);
            } catch (IOException | RuntimeException e) {
                LOG.debug("background work keeps the normal CPU priority", "error", e.toString());
            }
            for (Runnable job : jobs) {
                try {
                    job.run();
                } catch (RuntimeException e) {
                    LOG.debug("background work after start-up failed", "error", e.toString());
                }
            }
        });
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (firstCallAnswered.getCount() == 0) {
            return next.startCall(call, headers);
        }
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                super.close(status, trailers);
                firstCallAnswered.countDown();
            }
        }, headers);
    }
}
