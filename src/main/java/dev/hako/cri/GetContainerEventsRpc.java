package dev.hako.cri;

import dev.hako.container.Container;
import dev.hako.container.ContainerService;
import dev.hako.container.EventHub;
import dev.hako.container.LifecycleEvent;
import dev.hako.cri.v1.ContainerEventResponse;
import dev.hako.cri.v1.ContainerEventType;
import dev.hako.cri.v1.GetEventsRequest;
import dev.hako.log.Log;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * GetContainerEvents (the kubelet's evented PLEG, {@code crictl events}): every container's and pod
 * sandbox's CREATED, STARTED, STOPPED and DELETED, in order, each with the pod's status and its
 * containers' statuses as they were at that moment, until the client goes. Each stream is one
 * subscriber of the container service's events, sent from a virtual thread of its own that waits for
 * the client to take more (gRPC flow control) before sending; a client that falls
 * {@code ContainerEvents.BUFFER} events behind is dropped, and its stream ends with RESOURCE_EXHAUSTED
 * (the kubelet then re-lists and subscribes again).
 */
final class GetContainerEventsRpc {
    private static final Log LOG = Log.of("cri");
    private static final AtomicLong STREAMS = new AtomicLong();

    private final ContainerService containers;

    GetContainerEventsRpc(ContainerService containers) {
        this.containers = containers;
    }

    void getContainerEvents(GetEventsRequest r, ServerCallStreamObserver<ContainerEventResponse> out) {
        String name = "GetContainerEvents stream " + STREAMS.incrementAndGet();
        EventHub.Subscription<LifecycleEvent> sub = containers.subscribeEvents(name);
        out.setOnCancelHandler(sub::close); // the client went: unsubscribed at once
        out.setOnReadyHandler(sub::wake);
        LOG.info("events subscriber joined", "subscriber", name);
        Thread.ofVirtual().name(name).start(() -> send(sub, out));
    }

    private static void send(EventHub.Subscription<LifecycleEvent> sub, ServerCallStreamObserver<ContainerEventResponse> out) {
        try {
            while (true) {
                Optional<LifecycleEvent> e = sub.next();
                if (e.isEmpty() || !sub.await(out::isReady)) {
                    break;
                }
                out.onNext(response(e.get()));
            }
            if (sub.dropped()) {
                out.onError(Status.RESOURCE_EXHAUSTED.withDescription(sub.name() + " fell "
                        + "behind the container events and was dropped; re-list and subscribe again").asRuntimeException());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("cannot send container events; the subscriber is dropped and must re-list and subscribe again",
                    "subscriber", sub.name(), "error", Log.cause(e));
        } finally {
            sub.close();
            LOG.info("events subscriber left", "subscriber", sub.name());
        }
    }

    /** The CRI message of one event; the statuses are built by the status RPCs' own code. */
    static ContainerEventResponse response(LifecycleEvent e) {
        ContainerEventResponse.Builder b = ContainerEventResponse.newBuilder()
                .setContainerId(e.containerId())
                .setContainerEventType(type(e.kind()))
                .setCreatedAt(Timestamps.nanos(e.at()));
        if (e.pod() != null) {
            b.setPodSandboxStatus(PodSandboxStatusRpc.status(e.pod()));
        }
        for (Container c : PodSandboxStatusRpc.newestFirst(e.containers())) {
            b.addContainersStatuses(ContainerStatusRpc.status(c));
        }
        return b.build();
    }

    private static ContainerEventType type(LifecycleEvent.Kind k) {
        return switch (k) {
            case CREATED -> ContainerEventType.CONTAINER_CREATED_EVENT;
            case STARTED -> ContainerEventType.CONTAINER_STARTED_EVENT;
            case STOPPED -> ContainerEventType.CONTAINER_STOPPED_EVENT;
            case DELETED -> ContainerEventType.CONTAINER_DELETED_EVENT;
        };
    }
}
