package dev.hako.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Connects to a port on the loopback of a pod's network namespace, for port forwarding. A socket
 * belongs to the namespace it was created in, whichever thread uses it later; but setns(2) moves
 * only the calling OS thread. So each dial runs on a new platform thread of its own that enters the
 * namespace, creates and connects the socket, and goes back; a thread that cannot go back ends
 * (it does anyway) instead of serving anything else from inside the pod.
 */
public final class NetnsDialer {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final Path OWN_NETNS = Path.of("/proc/thread-self/ns/net");

    private NetnsDialer() {}

    static {
        // Lets the JDK set up its socket machinery (IPv6 probe, cleaner thread) in the host namespace
        // rather than on a thread that happens to be inside a pod's at the time.
        try {
            SocketChannel.open().close();
        } catch (IOException e) {
            // then the first dial reports the problem itself
        }
    }

    /**
     * A channel connected to {@code port} on 127.0.0.1 (or ::1 when that refuses) inside the network
     * namespace pinned at {@code netns}, or on the host when {@code netns} is null. Blocking mode;
     * usable from any thread. A refused connection throws {@link ConnectException} saying nothing
     * listens on the port; no answer within {@code timeout} throws {@link SocketTimeoutException}.
     * Blocks the calling thread (a virtual one unmounts) while a platform thread dials.
     */
    public static SocketChannel connect(Path netns, int port, Duration timeout) throws IOException {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        if (netns == null) {
            return dial(port, deadline, where(null)); // no namespace to enter: any thread will do
        }
        CompletableFuture<SocketChannel> result = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("netns-dial-" + port).start(() -> {
            try {
                dialIn(netns, port, deadline, result);
            } catch (Throwable t) {
                result.completeExceptionally(t); // no effect when the channel was delivered
                if (t instanceof Error e) {
                    throw e; // ends this thread, visibly
                }
            }
        });
        try {
            // the dial itself honours the deadline; the slack only covers setns and thread start
            return result.get(Math.max(timeout.toMillis(), 0) + 5_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            abandon(result);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while connecting to port " + port);
        } catch (TimeoutException e) {
            abandon(result);
            throw new SocketTimeoutException("connecting to port " + port + where(netns) + " took longer than "
                    + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        }
    }

    /** Closes the channel a dial the caller gave up on still delivers. */
    private static void abandon(CompletableFuture<SocketChannel> result) {
        result.thenAccept(ch -> {
            try {
                ch.close();
            } catch (IOException e) {
                // nobody is waiting for it
            }
        });
    }

    /**
     * On the dialing thread: into {@code netns}, dial, deliver, and back out. The channel is delivered
     * even when the way back fails (it is fine); the thread then ends with an Error.
     */
    private static void dialIn(Path netns, int port, long deadline, CompletableFuture<SocketChannel> result)
            throws IOException {
        int own = ProcCalls.open(OWN_NETNS, ProcCalls.O_RDONLY);
        try {
            int target;
            try {
                target = ProcCalls.open(netns, ProcCalls.O_RDONLY);
            } catch (IOException e) {
                throw new IOException("cannot open network namespace " + netns + ": " + e.getMessage(), e);
            }
            try {
                setns(target, netns.toString());
            } finally {
                ProcCalls.close(target);
            }
            try {
                result.complete(dial(port, deadline, where(netns)));
            } finally {
                try {
                    setns(own, OWN_NETNS.toString());
                } catch (IOException | RuntimeException e) {
                    // a thread stuck in the pod's namespace must not run anything else
                    throw new Error("cannot return the dialing thread from " + netns + " to its namespace", e);
                }
            }
        } finally {
            ProcCalls.close(own);
        }
    }

    /** Connects to 127.0.0.1, then ::1 if that refused, in the calling thread's namespace. */
    private static SocketChannel dial(int port, long deadline, String where) throws IOException {
        try {
            return dialOne(StandardProtocolFamily.INET, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), port,
                    deadline, where);
        } catch (ConnectException refused4) {
            try {
                return dialOne(StandardProtocolFamily.INET6, InetAddress.getByName("::1"), port, deadline, where);
            } catch (SocketTimeoutException timedOut) {
                throw timedOut;
            } catch (IOException | UnsupportedOperationException other) { // refused, or no IPv6 loopback at all
                throw new ConnectException("nothing listens on port " + port + where
                        + " (connection refused on 127.0.0.1 and ::1)");
            }
        }
    }

    private static SocketChannel dialOne(StandardProtocolFamily family, InetAddress address, int port, long deadline,
            String where) throws IOException {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
            throw new SocketTimeoutException("connecting to port " + port + where + " timed out");
        }
        SocketChannel ch = SocketChannel.open(family);
        try {
            ch.socket().connect(new InetSocketAddress(address, port), (int) Math.min(left, Integer.MAX_VALUE));
            return ch;
        } catch (SocketTimeoutException e) {
            ch.close();
            throw new SocketTimeoutException("connecting to " + address.getHostAddress() + " port " + port + where
                    + " timed out");
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static String where(Path netns) {
        return netns == null ? " on the host" : " in network namespace " + netns;
    }

    private static void setns(int fd, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int r;
            try {
                r = (int) Setns.H.invokeExact(state, fd, CLONE_NEWNET);
            } catch (Throwable t) {
                throw Native.unexpected(t);
            }
            if (r == -1) {
                throw new ErrnoException("setns", what, Native.errno(state));
            }
        }
    }




    private static final class Setns {
        static final MethodHandle H = Native.link("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    }
}
