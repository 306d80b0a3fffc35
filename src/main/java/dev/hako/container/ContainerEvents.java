package dev.hako.container;

import dev.hako.error.HakoException;
import dev.hako.log.Log;
import dev.hako.pod.Pod;
import dev.hako.pod.PodObserver;
import dev.hako.pod.PodService;
import dev.hako.store.ContainerRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where the lifecycle of containers and pod sandboxes is told: the observer (the stats sampler) hears
 * of containers created, started and removed, and the {@link EventHub} of {@link LifecycleEvent}s
 * (GetContainerEvents) of every container and sandbox created, started, stopped (an exit noticed by
 * the exit watcher, a status or a stop) and deleted, each with its pod and the pod's containers as
 * stored at that moment. The snapshot and the publishing happen under one lock, so subscribers see the
 * events in the order the changes were stored. Nothing is built while nobody subscribes.
 */
final class ContainerEvents implements PodObserver {
    private static final Log LOG = Log.of("container");
    /**
     * Each subscriber's buffer. A node's full churn (110 pods, each a sandbox created, started, stopped
     * and deleted plus a container or two doing the same) is about a thousand events; a reader that lets
     * more pile up is not reading and re-lists anyway after being dropped. containerd and CRI-O size
     * their event channels the same. The events share their immutable snapshots, so a full buffer costs
     * little more than its references.
     */
    static final int BUFFER = 1000;

    private final PodService pods;
    private final ContainerRecords records;
    private final EventHub<LifecycleEvent> hub = new EventHub<>(BUFFER);
    private volatile ContainerObserver observer = ContainerObserver.NONE;

    ContainerEvents(PodService pods, ContainerRecords records) {
        this.pods = pods;
        this.records = records;
    }

    void observe(ContainerObserver o) {
        this.observer = o == null ? ContainerObserver.NONE : o;
    }

    EventHub.Subscription<LifecycleEvent> subscribe(String name) {
        return hub.subscribe(name);
    }

    void created(Container c) {
        tell(o -> o.changed(c));
        publish(LifecycleEvent.Kind.CREATED, c.id(), c.podId(), null);
    }

    void started(Container c) {
        tell(o -> o.changed(c));
        publish(LifecycleEvent.Kind.STARTED, c.id(), c.podId(), null);
    }

    /** The container exited (or its start failed): its record says EXITED now. */
    void stopped(Container c) {
        publish(LifecycleEvent.Kind.STOPPED, c.id(), c.podId(), null);
    }

    void removed(Container c) {
        tell(o -> o.removed(c));
        publish(LifecycleEvent.Kind.DELETED, c.id(), c.podId(), null);
    }

    // the pod's own events: the container id is the pod's; a sandbox is created and started at once

    @Override
    public void created(Pod p) {
        publish(LifecycleEvent.Kind.CREATED, p.id(), p.id(), p);
        publish(LifecycleEvent.Kind.STARTED, p.id(), p.id(), p);
    }

    @Override
    public void stopped(Pod p) {
        publish(LifecycleEvent.Kind.STOPPED, p.id(), p.id(), p);
    }

    @Override
    public void removed(Pod p) {
        publish(LifecycleEvent.Kind.DELETED, p.id(), p.id(), p);
    }

    /** {@code pod}, when given, is the pod as the change left it; otherwise it is read from the store. */
    private void publish(LifecycleEvent.Kind kind, String containerId, String podId, Pod pod) {
        if (!hub.hasSubscribers()) {
            return;
        }
        try {
            synchronized (this) {
                Pod p = pod != null ? pod : podOf(podId);
                hub.publish(new LifecycleEvent(kind, containerId, podId, Instant.now(), p, containersOf(podId)));
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot publish a container event; subscribers re-list", "kind", kind, "container", containerId,
                    "pod", podId, "error", Log.cause(e));
        }
    }

    private Pod podOf(String podId) {
        try {
            return pods.get(podId);
        } catch (HakoException e) {
            return null; // gone meanwhile
        }
    }

    /** The pod's containers as stored (no exit files read here: that would publish from inside a publish). */
    private List<Container> containersOf(String podId) {
        List<Container> out = new ArrayList<>();
        for (ContainerRow r : records.ofPod(podId)) {
            out.add(ContainerRecords.container(r));
        }
        return out;
    }

    private void tell(Consumer<ContainerObserver> event) {
        try {
            event.accept(observer);
        } catch (RuntimeException e) {
            LOG.warn("a container change was not passed on to the container events (a Hako bug); the kubelet's re-list sees it",
                    "error", Log.cause(e));
        }
    }
}
