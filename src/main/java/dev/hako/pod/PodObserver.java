package dev.hako.pod;

/**
 * Told of every pod sandbox that is created (and then ready), stopped or removed, right after the
 * change is stored. Calls must be quick and must not throw.
 */
public interface PodObserver {
    PodObserver NONE = new PodObserver() {
        @Override
        public void created(Pod p) {}

        @Override
        public void stopped(Pod p) {}

        @Override
        public void removed(Pod p) {}
    };

    /** Created and ready: {@code p} as stored now. */
    void created(Pod p);

    /** Gone from ready to not ready: {@code p} as stored now. */
    void stopped(Pod p);

    /** Removed from the store; {@code p} is the pod as it was last, not ready. */
    void removed(Pod p);
}
