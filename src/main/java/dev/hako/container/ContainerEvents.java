package dev.hako.container;

import dev.hako.log.Log;
import java.util.function.Consumer;

/** Tells the observer (the stats sampler) of containers created, started and removed; its failures only log. */
final class ContainerEvents {
    private static final Log LOG = Log.of("container");

    private volatile ContainerObserver observer = ContainerObserver.NONE;

    void observe(ContainerObserver o) {
        this.observer = o == null ? ContainerObserver.NONE : o;
    }

    void changed(Container c) {
        tell(o -> o.changed(c));
    }

    void removed(Container c) {
        tell(o -> o.removed(c));
    }

    private void tell(Consumer<ContainerObserver> event) {
        try {
            event.accept(observer);
        } catch (RuntimeException e) {
            LOG.warn("container observer failed", "error", e.toString());
        }
    }
}
