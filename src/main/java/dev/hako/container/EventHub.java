package dev.hako.container;

import dev.hako.log.Log;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Hands each published event to every subscriber, in the order published. Each subscriber has a
 * buffer of its own, bounded at {@code capacity}: publishing never waits. A subscriber whose buffer
 * is full is dropped on the spot, with one warning naming it, and the others go on undisturbed; its
 * reader learns it was dropped ({@link Subscription#dropped()}) once the next event is asked for.
 */
public final class EventHub<E> {
    private static final Log LOG = Log.of("events");

    private final int capacity;
    private final List<Subscription<E>> subscribers = new CopyOnWriteArrayList<>();

    public EventHub(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity " + capacity);
        }
        this.capacity = capacity;
    }

    /** A new subscriber, {@code name} naming it in logs; it sees every event published from now on. */
    public Subscription<E> subscribe(String name) {
        Subscription<E> s = new Subscription<>(this, name, capacity);
        synchronized (this) { // not between two deliveries of one publish
            subscribers.add(s);
        }
        return s;
    }

    /** Whether anybody listens: without subscribers, callers need not even build their events. */
    public boolean hasSubscribers() {
        return !subscribers.isEmpty();
    }

    public int subscribers() {
        return subscribers.size();
    }

    /** Appends {@code event} to every subscriber's buffer; drops the subscribers whose buffer is full. */
    public synchronized void publish(E event) {
        for (Subscription<E> s : subscribers) {
            if (!s.offer(event)) {
                subscribers.remove(s);
                LOG.warn("event subscriber fell behind and was dropped; it must reconnect and re-list",
                        "subscriber", s.name(), "buffered", capacity);
            }
        }
    }

    private void remove(Subscription<E> s) {
        subscribers.remove(s);
    }

    /** One subscriber's buffer, read by one consumer thread. */
    public static final class Subscription<E> implements AutoCloseable {
        private final EventHub<E> hub;
        private final String name;
        private final int capacity;
        private final ArrayDeque<E> buffer = new ArrayDeque<>();
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition changed = lock.newCondition();
        private boolean dropped;
        private boolean closed;

        private Subscription(EventHub<E> hub, String name, int capacity) {
            this.hub = hub;
            this.name = name;
            this.capacity = capacity;
        }

        public String name() {
            return name;
        }

        /** Buffers {@code event}; false (and dropped from then on) when the buffer is full. */
        private boolean offer(E event) {
            lock.lock();
            try {
                if (closed || dropped) {
                    return true;
                }
                if (buffer.size() >= capacity) {
                    dropped = true;
                    buffer.clear();
                    changed.signalAll();
                    return false;
                }
                buffer.addLast(event);
                changed.signalAll();
                return true;
            } finally {
                lock.unlock();
            }
        }

        /**
         * The next event, waiting for one; empty once the subscription is closed or dropped (what was
         * still buffered for a dropped subscriber is gone: it has a gap and must re-list anyway).
         */
        public Optional<E> next() throws InterruptedException {
            lock.lock();
            try {
                while (buffer.isEmpty() && !closed && !dropped) {
                    changed.await();
                }
                if (closed || dropped) {
                    return Optional.empty();
                }
                return Optional.of(buffer.removeFirst());
            } finally {
                lock.unlock();
            }
        }

        /**
         * Waits until {@code ready} holds or the subscription ends; whether it holds. The consumer's
         * own condition (a stream able to take more) is re-checked on every {@link #wake()}.
         */
        public boolean await(BooleanSupplier ready) throws InterruptedException {
            lock.lock();
            try {
                while (!ready.getAsBoolean() && !closed && !dropped) {
                    changed.await();
                }
                return !closed && !dropped;
            } finally {
                lock.unlock();
            }
        }

        /** Makes {@link #await} look at its condition again. */
        public void wake() {
            lock.lock();
            try {
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Whether the hub dropped this subscriber for falling behind. */
        public boolean dropped() {
            lock.lock();
            try {
                return dropped;
            } finally {
                lock.unlock();
            }
        }

        /** Unsubscribes at once: no event is buffered from now on, and a waiting consumer returns. */
        @Override
        public void close() {
            lock.lock();
            try {
                closed = true;
                buffer.clear();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            hub.remove(this);
        }
    }
}
