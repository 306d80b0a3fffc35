package dev.hako.stream;

import dev.hako.log.Log;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds connections that have not yet sent their request. Until its whole HTTP request (after TLS)
 * is through, a connection holds one of a fixed number of places and has a deadline of seconds; at
 * the deadline it is closed. Without this anyone who can reach the port could hold connections open
 * for the 4 h idle timeout, as many as they like. Once the request is in, this handler leaves the
 * pipeline and the session limits and idle timeout take over.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
    private static final Log LOG = Log.of("stream");

    /** The places shared by all connections of one server. */
    static final class Pending {
        private final AtomicInteger waiting = new AtomicInteger();
        private final int max;

        Pending(int max) {
            this.max = max;
        }

        /** Takes a place, or returns false when all are taken. */
        boolean enter() {
            if (waiting.incrementAndGet() > max) {
                waiting.decrementAndGet();
                return false;
            }
            return true;
        }

        void leave() {
            waiting.decrementAndGet();
        }

        int max() {
            return max;
        }
    }

    /** Closes a connection as soon as it is active: there was no place for it. */
    static final class Refuse extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.close();
        }
    }

    private final Pending pending;
    private final Duration timeout;
    private ScheduledFuture<?> deadline;
    private boolean holding = true;

    /** For a connection that has taken a place in {@code pending}. */
    RequestDeadline(Pending pending, Duration timeout) {
        this.pending = pending;
        this.timeout = timeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(() -> {
            if (holding) {
                LOG.info("closing stream connection: no request within the request timeout",
                        "remote", String.valueOf(ctx.channel().remoteAddress()), "timeout_ms", timeout.toMillis());
                ctx.close();
            }
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest) {
            release();
            ctx.pipeline().remove(this);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    /** Gives the place back and stops the clock; once only. Runs on the channel's event loop. */
    private void release() {
        if (holding) {
            holding = false;
            pending.leave();
            if (deadline != null) {
                deadline.cancel(false);
            }
        }
    }
}
