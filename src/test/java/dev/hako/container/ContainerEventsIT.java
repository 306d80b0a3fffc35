package dev.hako.container;

import static dev.hako.testing.PodFixture.container;
import static dev.hako.testing.PodFixture.runPod;
import static dev.hako.testing.PodFixture.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ContainerEventResponse;
import dev.hako.cri.v1.ContainerEventType;
import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.ContainerStatus;
import dev.hako.cri.v1.GetEventsRequest;
import dev.hako.cri.v1.PodSandboxState;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.PodSandboxStatusResponse;
import dev.hako.cri.v1.RemoveContainerRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.cri.v1.StopContainerRequest;
import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * GetContainerEvents against the real daemon, runc and conmon: two subscribers follow a pod with a
 * container that exits by itself (its STOPPED comes from the exit watcher: nothing asks for its status)
 * and one that is stopped, through their removal; both see the same events in the same order, each with
 * the pod's and its containers' statuses of that moment.
 */
class ContainerEventsIT {
    static DaemonProcess d;

    @BeforeAll
    static void setUp() throws Exception {
        d = PodFixture.daemonWithImages();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (d != null) {
            d.close();
        }
    }

    /** One GetContainerEvents stream, its events queued as they come. */
    static final class Subscriber implements ClientResponseObserver<GetEventsRequest, ContainerEventResponse> {
        final LinkedBlockingQueue<ContainerEventResponse> events = new LinkedBlockingQueue<>();
        volatile Throwable error;
        private ClientCallStreamObserver<GetEventsRequest> call;

        static Subscriber subscribe() {
            Subscriber s = new Subscriber();
            RuntimeServiceGrpc.newStub(d.channel()).getContainerEvents(GetEventsRequest.getDefaultInstance(), s);
            return s;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<GetEventsRequest> requestStream) {
            this.call = requestStream;
        }

        @Override
        public void onNext(ContainerEventResponse value) {
            events.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {}

        /** The next event about one of {@code ids}, waiting up to 60 s (others are skipped); null if none came. */
        ContainerEventResponse next(Set<String> ids) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                ContainerEventResponse e = events.poll(1, TimeUnit.SECONDS);
                if (e != null && ids.contains(e.getContainerId())) {
                    return e;
                }
            }
            return null;
        }

        void cancel() {
            call.cancel("test done", null);
        }
    }

    private static String label(ContainerEventResponse e, String pod, String quits, String stopped) {
        String who = e.getContainerId().equals(pod) ? "pod" : e.getContainerId().equals(quits) ? "quits"
                : e.getContainerId().equals(stopped) ? "stopped" : e.getContainerId();
        return who + " " + e.getContainerEventType().name().replace("CONTAINER_", "").replace("_EVENT", "");
    }

    private static ContainerStatus statusOf(ContainerEventResponse e, String id) {
        return e.getContainersStatusesList().stream().filter(s -> s.getId().equals(id)).findFirst().orElse(null);
    }

    /** Waits until both streams are subscribed: a throwaway pod's events reach both. */
    private static void awaitSubscribed(Subscriber a, Subscriber b) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            String warm = runPod(d, "events-warm-" + attempt);
            boolean both = a.next(Set.of(warm)) != null && b.next(Set.of(warm)) != null;
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(warm).build());
            if (both) {
                // drain the warm-up pod's events up to its DELETED on both
                for (Subscriber s : List.of(a, b)) {
                    ContainerEventResponse e;
                    do {
                        e = s.next(Set.of(warm));
                        assertThat(e).as("the warm-up pod's events end with DELETED").isNotNull();
                    } while (e.getContainerEventType() != ContainerEventType.CONTAINER_DELETED_EVENT);
                }
                return;
            }
            assertThat(attempt).as("both subscribers see a pod's events").isLessThan(5);
        }
    }

    @Test
    void aPodsLifeAsTwoSubscribersSeeIt() throws Exception {
        Subscriber a = Subscriber.subscribe();
        Subscriber b = Subscriber.subscribe();
        awaitSubscribed(a, b);

        String pod = runPod(d, "events");
        String quits = start(d, pod, container("quits", "exit 3"));
        // no status call: the STOPPED must come from the exit watcher
        List<ContainerEventResponse> seen = new ArrayList<>();
        Set<String> ids = Set.of(pod, quits);
        while (seen.isEmpty() || !label(seen.getLast(), pod, quits, "").equals("quits STOPPED")) {
            ContainerEventResponse e = a.next(ids);
            assertThat(e).as("events after " + seen.stream().map(x -> label(x, pod, quits, "")).toList()).isNotNull();
            seen.add(e);
        }
        String stopped = start(d, pod, container("stopped", "sleep 1000"));
        // what a kubelet with EventedPLEG reads instead of ListContainers: the pod's containers, newest first
        PodSandboxStatusResponse st = d.runtime().podSandboxStatus(
                PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod).build());
        assertThat(st.getContainersStatusesList()).extracting(ContainerStatus::getId).containsExactly(stopped, quits);
        assertThat(st.getTimestamp()).isGreaterThan(st.getContainersStatuses(0).getCreatedAt());
        d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(stopped).setTimeout(0).build());
        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(quits).build());
        d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(stopped).build());
        d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
        d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());

        List<String> expected = List.of("pod CREATED", "pod STARTED", "quits CREATED", "quits STARTED", "quits STOPPED",
                "stopped CREATED", "stopped STARTED", "stopped STOPPED", "quits DELETED", "stopped DELETED",
                "pod STOPPED", "pod DELETED");
        Set<String> all = Set.of(pod, quits, stopped);
        while (seen.size() < expected.size()) {
            ContainerEventResponse e = a.next(all);
            assertThat(e).as("events after " + seen.stream().map(x -> label(x, pod, quits, stopped)).toList()).isNotNull();
            seen.add(e);
        }
        assertThat(seen).extracting(e -> label(e, pod, quits, stopped)).containsExactlyElementsOf(expected);

        List<ContainerEventResponse> seenByB = new ArrayList<>();
        while (seenByB.size() < expected.size()) {
            ContainerEventResponse e = b.next(all);
            assertThat(e).as("the second subscriber's events").isNotNull();
            seenByB.add(e);
        }
        assertThat(seenByB).isEqualTo(seen);

        // every event carries the pod's status; times never go backwards
        long last = 0;
        for (ContainerEventResponse e : seen) {
            assertThat(e.getPodSandboxStatus().getId()).isEqualTo(pod);
            assertThat(e.getPodSandboxStatus().getMetadata().getName()).isEqualTo("events");
            assertThat(e.getCreatedAt()).isGreaterThanOrEqualTo(last);
            last = e.getCreatedAt();
        }
        assertThat(seen.get(0).getPodSandboxStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_READY);
        assertThat(seen.get(0).getContainersStatusesList()).isEmpty();
        assertThat(statusOf(seen.get(2), quits).getState()).isEqualTo(ContainerState.CONTAINER_CREATED);
        assertThat(statusOf(seen.get(3), quits).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        ContainerStatus exited = statusOf(seen.get(4), quits);
        assertThat(exited.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(exited.getExitCode()).isEqualTo(3);
        assertThat(exited.getReason()).isEqualTo("Error");
        assertThat(statusOf(seen.get(6), stopped).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
        assertThat(statusOf(seen.get(6), quits).getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(seen.get(6).getContainersStatusesList()).extracting(ContainerStatus::getId)
                .as("newest first, as the kubelet expects").containsExactly(stopped, quits);
        ContainerStatus killed = statusOf(seen.get(7), stopped);
        assertThat(killed.getState()).isEqualTo(ContainerState.CONTAINER_EXITED);
        assertThat(killed.getExitCode()).isEqualTo(137);
        // a deleted container is no longer among the pod's containers
        assertThat(seen.get(8).getContainersStatusesList()).extracting(ContainerStatus::getId).containsExactly(stopped);
        assertThat(seen.get(9).getContainersStatusesList()).isEmpty();
        assertThat(seen.get(10).getPodSandboxStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);
        // the deleted sandbox is reported as it was last, so the kubelet can drop it from its cache
        assertThat(seen.get(11).getPodSandboxStatus().getState()).isEqualTo(PodSandboxState.SANDBOX_NOTREADY);

        // one subscriber leaving changes nothing for the other
        a.cancel();
        String after = runPod(d, "events-after");
        assertThat(b.next(Set.of(after))).isNotNull()
                .extracting(ContainerEventResponse::getContainerEventType).isEqualTo(ContainerEventType.CONTAINER_CREATED_EVENT);
        d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(after).build());
        b.cancel();
        assertThat(a.error).as("a stream ended only by its client").satisfiesAnyOf(
                t -> assertThat(t).isNull(),
                t -> assertThat(t).hasMessageContaining("CANCELLED"));
        assertThat(d.log()).doesNotContain("fell behind");
    }
}
