package dev.hako.pod;

/**
 * The containers of a pod, as stopping and removing the pod needs them: stopped before the pod's
 * namespaces go, removed before its directory does. Passed to each {@link PodService#stop} and
 * {@link PodService#remove} call by the caller that knows the containers, so that the pod service
 * (below the container service) holds no reference back up to it.
 */
public interface PodContainers {
    /** For a caller with no containers to consider (a pod that never had any). */
    PodContainers NONE = new PodContainers() {
        @Override
        public void stopContainers(String podId) {}

        @Override
        public void removeContainers(String podId) {}
    };

    void stopContainers(String podId);

    void removeContainers(String podId);
}
