package dev.hako.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class TraceTest {
    private static final Function<String, String> NO_HEADERS = k -> null;

    @Test
    void outsideACallAndForUntimedCallsPhasesAreTheSharedNoOp() {
        assertThat(Trace.phase("namespaces")).isSameAs(Phase.NONE);
        assertThat(Trace.call("runtime.v1.RuntimeService/ListContainers", "ListContainers", false, NO_HEADERS))
                .isSameAs(Phase.NONE);
        Phase.NONE.attribute("k", "v").close(); // harmless
    }

    @Test
    void aTimedCallFilesItsPhasesAsATreeUnderThePod() {
        String pod = "pod-tree";
        Phase call = Trace.call("runtime.v1.RuntimeService/RunPodSandbox", "RunPodSandbox", true, NO_HEADERS);
        try (Trace.Scope s = Trace.resume(call)) {
            Trace.pod(pod, "");
            Trace.run("namespaces", () -> { });
            try (Phase network = Trace.phase("network")) {
                assertThat(Trace.current()).isSameAs(network);
                Trace.run("cni add bridge", () -> { });
                Trace.run("cni add portmap", () -> { });
            }
            assertThat(Trace.current()).isSameAs(call);
        }
        assertThat(Trace.timings(pod)).isEmpty(); // filed when the call ends, not before
        call.close();

        List<Timing> t = Trace.timings(pod);
        assertThat(t).extracting(Timing::name)
                .containsExactly("RunPodSandbox", "namespaces", "network", "cni add bridge", "cni add portmap");
        assertThat(t).extracting(Timing::parent).containsExactly(0, 1, 1, 3, 3);
        assertThat(t).extracting(Timing::id).containsExactly(1, 2, 3, 4, 5);
        assertThat(t.getFirst().durationNanos()).isGreaterThanOrEqualTo(t.get(2).durationNanos());
        assertThat(t.getFirst().toMap()).containsKeys("id", "parent", "name", "container", "start", "duration_ms");

        // a later call (a container's) is appended, numbered after the first, with the container's name
        Phase create = Trace.call("runtime.v1.RuntimeService/CreateContainer", "CreateContainer", true, NO_HEADERS);
        try (Trace.Scope s = Trace.resume(create)) {
            Trace.pod(pod, "web");
            Trace.run("oci spec", () -> { });
        }
        create.close();
        t = Trace.timings(pod);
        assertThat(t.subList(5, 7)).extracting(Timing::name, Timing::container, Timing::id, Timing::parent)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("CreateContainer", "web", 6, 0),
                        org.assertj.core.groups.Tuple.tuple("oci spec", "web", 7, 6));

        Trace.forget(pod);
        assertThat(Trace.timings(pod)).isEmpty();
    }

    @Test
    void aFailedPhaseIsMarkedAndTheFailureStillPropagates() {
        Phase call = Trace.call("runtime.v1.RuntimeService/StartContainer", "StartContainer", true, NO_HEADERS);
        try (Trace.Scope s = Trace.resume(call)) {
            Trace.pod("pod-failed", "web");
            try {
                Trace.run("runtime start", () -> {
                    throw new IllegalStateException("runc said no");
                });
            } catch (IllegalStateException expected) {
                // the caller sees it as before
            }
        }
        call.status(2, "runc said no");
        call.close();
        call.close(); // twice: nothing more
        assertThat(Trace.timings("pod-failed")).extracting(Timing::name, Timing::failed)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("StartContainer", true),
                        org.assertj.core.groups.Tuple.tuple("runtime start", true));
        Trace.forget("pod-failed");
    }

    @Test
    void aPhaseHandedToAnotherThreadNestsThere() throws Exception {
        Phase call = Trace.call("runtime.v1.RuntimeService/RunPodSandbox", "RunPodSandbox", true, NO_HEADERS);
        try (Trace.Scope s = Trace.resume(call)) {
            Trace.pod("pod-threads", "");
            Phase here = Trace.current();
            Thread t = Thread.ofVirtual().start(() -> {
                try (Trace.Scope r = Trace.resume(here); Phase p = Trace.phase("layer")) {
                    Trace.run("layer fetch", () -> { });
                }
            });
            t.join();
        }
        call.close();
        assertThat(Trace.timings("pod-threads")).extracting(Timing::name, Timing::parent)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("RunPodSandbox", 0),
                        org.assertj.core.groups.Tuple.tuple("layer", 1),
                        org.assertj.core.groups.Tuple.tuple("layer fetch", 2));
        Trace.forget("pod-threads");
    }

    @Test
    void podTimingsAreBoundedInPodsAndInPhasesPerPod() {
        PodTimings kept = new PodTimings(2, 3);
        List<Timing> call = List.of(new Timing(1, 0, "RunPodSandbox", "", 0, 1, false),
                new Timing(2, 1, "network", "", 0, 1, false));
        kept.add("a", call);
        kept.add("a", call); // 4 > 3: this call is dropped whole
        assertThat(kept.of("a")).hasSize(2);
        kept.add("b", call);
        kept.add("c", call); // the least recently used pod goes
        assertThat(kept.of("a")).isEmpty();
        assertThat(kept.of("b")).hasSize(2);
        assertThat(kept.of("c")).hasSize(2);
    }

    @Test
    void exportFailuresAreLoggedAtMostOnceAMinuteWithTheCountSince() {
        ExportFailures.RateLimit limit = new ExportFailures.RateLimit(ExportFailures.RateLimit.MINUTE);
        long t0 = 5_000_000_000L;
        assertThat(limit.admit(t0, 10)).isEqualTo(10);
        assertThat(limit.admit(t0 + 1_000_000_000L, 7)).isEqualTo(-1);
        assertThat(limit.admit(t0 + 30_000_000_000L, 3)).isEqualTo(-1);
        assertThat(limit.admit(t0 + 61_000_000_000L, 1)).isEqualTo(11);
    }

    /** The promise that tracing off costs no start-up time: a daemon without an endpoint loads no OpenTelemetry class. */
    @Test
    void withTracingOffNoOpenTelemetryClassIsLoaded() throws Exception {
        List<URL> path = new ArrayList<>();
        for (String p : System.getProperty("java.class.path").split(File.pathSeparator)) {
            path.add(Path.of(p).toUri().toURL());
        }
        try (Isolated loader = new Isolated(path.toArray(URL[]::new))) {
            Class<?> trace = loader.loadClass(TraceTest.class.getName() + "$OffRun");
            ((Runnable) trace.getDeclaredConstructor().newInstance()).run();
            assertThat(loader.loaded("dev.hako.trace.Phase")).isTrue(); // the run did use the facade
            assertThat(loader.loaded("dev.hako.trace.OtelTracing")).isFalse();
            assertThat(loader.loaded("io.opentelemetry.api.trace.Span")).isFalse();
            assertThat(loader.loaded("io.opentelemetry.context.Context")).isFalse();
        }
    }

    /** A timed call with phases, a pod tag, attributes and a failure, as a daemon without tracing runs it. */
    public static final class OffRun implements Runnable {
        @Override
        public void run() {
            Phase call = Trace.call("runtime.v1.RuntimeService/RunPodSandbox", "RunPodSandbox", true, k -> null);
            try (Trace.Scope s = Trace.resume(call)) {
                Trace.pod("pod-off", "");
                try (Phase p = Trace.phase("network")) {
                    p.attribute("cni.network", "hako").attribute("n", 1);
                    p.failed(new RuntimeException("x"));
                }
            }
            call.status(0, null);
            call.close();
            if (Trace.timings("pod-off").size() != 2) {
                throw new AssertionError(Trace.timings("pod-off"));
            }
        }
    }

    /** Loads every class itself (JDK classes aside), so what it has loaded is what the run needed. */
    private static final class Isolated extends URLClassLoader {
        Isolated(URL[] urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        boolean loaded(String name) {
            return findLoadedClass(name) != null;
        }
    }
}
