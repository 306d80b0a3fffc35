package dev.hako.container;

import dev.hako.metrics.Metrics;
import dev.hako.monitor.Conmon;
import dev.hako.store.ContainerRow;
import java.time.Duration;
import java.util.Optional;

/**
 * Brings records up to date with the exit files conmon writes when a container's process ends, and
 * tells the events of each exit once.
 */
final class ContainerExits {
    private final Conmon conmon;
    private final ContainerRecords records;
    private final ContainerLocks locks;
    private final ContainerEvents events;

    ContainerExits(Conmon conmon, ContainerRecords records, ContainerLocks locks, ContainerEvents events) {
        this.conmon = conmon;
        this.records = records;
        this.locks = locks;
        this.events = events;
    }

    /** Applies the exit file, if the container has exited since its record was written. */
    Container refresh(Container c) {
        if (c.state() != Container.State.RUNNING && c.state() != Container.State.CREATED) {
            return c;
        }
        Optional<Conmon.Exit> exit = conmon.exit(c.id());
        if (exit.isEmpty()) {
            return c;
        }
        Container done = exited(c, exit.get());
        synchronized (locks.of(c.id())) {
            Optional<ContainerRow> current = records.byId(c.id());
            if (current.isPresent() && !current.get().state().equals(Container.State.EXITED.name())) {
                records.save(done);
                events.stopped(done); // once per exit: whoever notices it first (the exit watcher, a status, a stop)
                if (exit.get().oomKilled()) {
                    Metrics.oomKill(c.handler());
                }
            }
        }
        return done;
    }

    /** {@code c} as its exit file {@code e} tells: the reason is OOMKilled, Completed (code 0) or Error. */
    static Container exited(Container c, Conmon.Exit e) {
        String reason = e.oomKilled() ? "OOMKilled" : e.code() == 0 ? "Completed" : "Error";
        return c.exited(e.code(), e.at(), reason, "");
    }

    /** Waits until {@code c} has exited, at most {@code timeout}; whether it did. */
    boolean await(Container c, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (refresh(c).state() == Container.State.EXITED) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
