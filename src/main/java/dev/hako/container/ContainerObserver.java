package dev.hako.container;

/**
 * Told of every container that appears, starts or goes, right after the change is stored, so that
 * caches of containers (stats) never lag behind the store. Calls must be quick and must not throw.
 */
public interface ContainerObserver {
    ContainerObserver NONE = new ContainerObserver() {
        @Override
        public void changed(Container c) {}

        @Override
        public void removed(Container c) {}
    };

    /** Created or started: {@code c} as stored now. */
    void changed(Container c);

    /** Removed from the store. */
    void removed(Container c);
}
