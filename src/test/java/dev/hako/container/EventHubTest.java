package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The event hub: order, several subscribers, a subscriber that falls behind, unsubscribing. */
class EventHubTest {

    private static List<Integer> take(EventHub.Subscription<Integer> s, int n) throws InterruptedException {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(s.next().orElseThrow());
        }
        return out;
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(i);
        }
        return out;
    }

    @Test
    void eventsArriveInTheOrderPublishedToEverySubscriber() throws Exception {
        EventHub<Integer> hub = new EventHub<>(1000);
        EventHub.Subscription<Integer> a = hub.subscribe("a");
        EventHub.Subscription<Integer> b = hub.subscribe("b");
        for (int i = 0; i < 500; i++) {
            hub.publish(i);
        }
        assertThat(take(a, 500)).isEqualTo(range(0, 500));
        assertThat(take(b, 500)).isEqualTo(range(0, 500));
    }

    @Test
    void aSubscriberSeesOnlyWhatIsPublishedAfterItJoined() throws Exception {
        EventHub<Integer> hub = new EventHub<>(10);
        hub.publish(1); // nobody listens: nothing is kept
        EventHub.Subscription<Integer> a = hub.subscribe("a");
        hub.publish(2);
        assertThat(a.next()).contains(2);
    }

    @Test
    void concurrentPublishersGiveEverySubscriberTheSameOrder() throws Exception {
        EventHub<Integer> hub = new EventHub<>(10_000);
        EventHub.Subscription<Integer> a = hub.subscribe("a");
        EventHub.Subscription<Integer> b = hub.subscribe("b");
        List<Thread> publishers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int base = t * 1000;
            publishers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 1000; i++) {
                    hub.publish(base + i);
                }
            }));
        }
        for (Thread t : publishers) {
            t.join();
        }
        List<Integer> seenByA = take(a, 4000);
        assertThat(take(b, 4000)).isEqualTo(seenByA);
        // each publisher's own events keep their order
        for (int t = 0; t < 4; t++) {
            int base = t * 1000;
            assertThat(seenByA.stream().filter(i -> i >= base && i < base + 1000).toList()).isEqualTo(range(base, base + 1000));
        }
    }

    @Test
    void aSubscriberThatFallsBehindIsDroppedAndTheOthersGoOn() throws Exception {
        EventHub<Integer> hub = new EventHub<>(3);
        EventHub.Subscription<Integer> slow = hub.subscribe("slow");
        EventHub.Subscription<Integer> quick = hub.subscribe("quick");
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            hub.publish(i); // never waits for the slow one, which reads nothing
            got.add(quick.next().orElseThrow());
        }
        assertThat(got).isEqualTo(range(0, 10));
        assertThat(slow.dropped()).isTrue();
        assertThat(slow.next()).isEmpty(); // its buffered events are gone: it has a gap and must re-list
        assertThat(quick.dropped()).isFalse();
        assertThat(hub.subscribers()).isEqualTo(1);
    }

    @Test
    void aSubscriberExactlyAtItsBufferIsKept() throws Exception {
        EventHub<Integer> hub = new EventHub<>(3);
        EventHub.Subscription<Integer> s = hub.subscribe("s");
        hub.publish(1);
        hub.publish(2);
        hub.publish(3);
        assertThat(s.dropped()).isFalse();
        assertThat(take(s, 3)).containsExactly(1, 2, 3);
        hub.publish(4);
        assertThat(s.next()).contains(4);
    }

    @Test
    void closingUnsubscribesAtOnceAndWakesAWaitingReader() throws Exception {
        EventHub<Integer> hub = new EventHub<>(10);
        EventHub.Subscription<Integer> s = hub.subscribe("s");
        AtomicReference<Optional<Integer>> read = new AtomicReference<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                read.set(s.next());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        s.close();
        reader.join();
        assertThat(read.get()).isEmpty();
        assertThat(hub.subscribers()).isZero();
        assertThat(hub.hasSubscribers()).isFalse();
        hub.publish(1); // nobody to hand it to
        assertThat(s.next()).isEmpty();
        assertThat(s.dropped()).isFalse();
    }

    @Test
    void awaitReturnsWhenTheConditionHoldsOrTheSubscriptionEnds() throws Exception {
        EventHub<Integer> hub = new EventHub<>(1);
        EventHub.Subscription<Integer> s = hub.subscribe("s");
        assertThat(s.await(() -> true)).isTrue();
        boolean[] ready = {false};
        AtomicReference<Boolean> result = new AtomicReference<>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                result.set(s.await(() -> ready[0]));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        hub.publish(1);
        hub.publish(2); // the buffer of one overflows: dropped, and the waiter returns false
        waiter.join();
        assertThat(result.get()).isFalse();
    }
}
