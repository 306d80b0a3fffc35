package dev.hako.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpServer;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.json.Json;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.HakoCommand;
import dev.hako.testing.PodFixture;
import dev.hako.testing.image.TestImage;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * {@code [tracing] endpoint} on a real daemon, with a collector stand-in on 127.0.0.1 that decodes the
 * OTLP/HTTP protobuf it is sent: one RunPodSandbox carrying a kubelet-style {@code traceparent} gives a
 * server span under the caller's span and the phase spans under it; {@code hako trace POD} shows the same
 * phases, with the container's calls, as a tree.
 */
class TracingIT {
    private static final String BRIDGE = "hakotest21";
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";

    /** The spans the stand-in received, each with the service name of its resource. */
    private record Received(String service, Span span) {}

    @Test
    void aRunPodSandboxWithTheKubeletsTraceparentExportsItsSpanTree() throws Exception {
        ConcurrentLinkedQueue<Received> spans = new ConcurrentLinkedQueue<>();
        HttpServer collector = collector(spans);
        try (DaemonProcess d = DaemonProcess.withConfig("[tracing]\nendpoint = \"http://127.0.0.1:"
                + collector.getAddress().getPort() + "\"\n")) {
            Files.writeString(DaemonProcess.cniConfDir(d.dir()).resolve("10-hakotest.conflist"), """
                    {"cniVersion": "1.0.0", "name": "%s", "plugins": [
                      {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                       "ipam": {"type": "host-local", "dataDir": "%s",
                                "ranges": [[{"subnet": "10.231.21.0/24"}]]}},
                      {"type": "portmap", "snat": true, "capabilities": {"portMappings": true}}
                    ]}
                    """.formatted(BRIDGE, BRIDGE, d.dir().resolve("ipam")));
            d.start();
            assertThat(d.log()).contains("exporting traces");
            PodFixture.importImage(d, TestImage.builder().layer(TestImage.busyboxLayer()).build(), PodFixture.IMAGE);

            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
                    "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01");
            String pod = d.runtime().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(sharedPid(PodFixture.podConfig(d, "traced"))).build())
                    .getPodSandboxId();
            PodFixture.start(d, pod, PodFixture.container("web", "sleep 1000"));

            // the batch processor sends within a second or two; wait for the last phase span of the call
            Span server = await(spans, s -> s.getName().equals("runtime.v1.RuntimeService/RunPodSandbox")
                    && hex(s.getTraceId()).equals(TRACE_ID));
            assertThat(hex(server.getParentSpanId())).isEqualTo(CALLER_SPAN);
            assertThat(server.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
            assertThat(attributes(server)).containsEntry("rpc.system", "grpc").containsEntry("rpc.method", "RunPodSandbox")
                    .containsEntry("rpc.grpc.status_code", "0").containsEntry("hako.pod_sandbox_id", pod);
            assertThat(spans).filteredOn(r -> r.span() == server).extracting(Received::service).containsOnly("hako");

            // a shared PID namespace needs the infra container, whose phases nest under "infra"
            awaitChildren(spans, server, 3);
            List<Span> phases = children(spans, server);
            assertThat(phases).extracting(Span::getName).containsExactly("namespaces", "network", "infra");
            assertThat(phases).allSatisfy(p -> assertThat(hex(p.getTraceId())).isEqualTo(TRACE_ID));
            Span network = phases.get(1);
            assertThat(attributes(network)).containsEntry("cni.network", BRIDGE);
            awaitChildren(spans, network, 2);
            assertThat(children(spans, network)).extracting(Span::getName).containsExactly("cni add bridge", "cni add portmap");
            awaitChildren(spans, phases.get(2), 3);
            assertThat(children(spans, phases.get(2))).extracting(Span::getName)
                    .containsExactly("oci spec", "conmon create", "runtime start");

            // a call without a traceparent starts a trace of its own, with the container's phases
            Span create = await(spans, s -> s.getName().equals("runtime.v1.RuntimeService/CreateContainer"));
            assertThat(create.getParentSpanId()).isEmpty();
            awaitChildren(spans, create, 3);
            assertThat(children(spans, create)).extracting(Span::getName).containsExactly("rootfs", "oci spec", "conmon create");
            Span start = await(spans, s -> s.getName().equals("runtime.v1.RuntimeService/StartContainer"));
            awaitChildren(spans, start, 1);
            assertThat(children(spans, start)).extracting(Span::getName).containsExactly("runtime start");
            assertThat(attributes(start)).containsEntry("hako.pod_sandbox_id", pod).containsEntry("hako.container_name", "web");

            // the same phases, always kept: PodSandboxStatus verbose, and hako trace by pod name
            String timings = d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(pod)
                    .setVerbose(true).build()).getInfoOrThrow("timings");
            assertThat(((List<?>) Json.parse(timings)).stream().map(t -> String.valueOf(((Map<?, ?>) t).get("name"))).toList())
                    .startsWith("RunPodSandbox").contains("cni add bridge", "CreateContainer", "StartContainer", "runtime start");
            HakoCommand.Result tree = HakoCommand.run(d.dir(), "trace", "--config", d.configFile().toString(), "traced");
            assertThat(tree.exitCode()).as(tree.output()).isZero();
            assertThat(tree.output()).containsPattern("(?m)^RunPodSandbox +[0-9.]+ ms +[0-9.]+ ms$")
                    .containsPattern("(?m)^  network +")
                    .containsPattern("(?m)^    cni add bridge +")
                    .containsPattern("(?m)^CreateContainer web +")
                    .containsPattern("(?m)^StartContainer web +")
                    .containsPattern("(?m)^  runtime start +")
                    .containsPattern("(?m)^total \\(the calls above\\) +[0-9.]+ ms$");
            HakoCommand.Result json = HakoCommand.run(d.dir(), "trace", "--config", d.configFile().toString(), "-o", "json",
                    pod.substring(0, 12));
            assertThat(json.exitCode()).as(json.output()).isZero();
            assertThat((List<?>) Json.parse(json.output())).hasSameSizeAs((List<?>) Json.parse(timings));

            // the daemon's stop exports what is still queued: the removal's span arrives without waiting
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            assertThat(d.stop()).isZero();
            assertThat(spans).extracting(r -> r.span().getName()).contains("runtime.v1.RuntimeService/RemovePodSandbox");
            // the stop's phases: containers, the infra container, CNI DEL plugin by plugin in reverse order
            Span stop = await(spans, s -> s.getName().equals("runtime.v1.RuntimeService/StopPodSandbox"));
            List<Span> stopPhases = children(spans, stop);
            assertThat(stopPhases).extracting(Span::getName).containsExactly("containers", "infra", "network");
            assertThat(children(spans, stopPhases.get(2))).extracting(Span::getName)
                    .containsExactly("cni del portmap", "cni del bridge");
        } finally {
            collector.stop(0);
            new ProcessBuilder("ip", "link", "del", BRIDGE).redirectErrorStream(true).start().waitFor();
        }
    }

    @Test
    void anUnreachableCollectorFailsNoCallAndIsLogged() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        try (DaemonProcess d = DaemonProcess.withConfig("[tracing]\nendpoint = \"http://127.0.0.1:" + closed + "\"\n")
                .start()) {
            String pod = PodFixture.runPod(d, "untraced");
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!d.log().contains("cannot export trace spans") && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(d.log()).contains("cannot export trace spans").contains("127.0.0.1:" + closed);
            assertThat(d.stop()).isZero();
        }
    }

    private static dev.hako.cri.v1.PodSandboxConfig sharedPid(dev.hako.cri.v1.PodSandboxConfig c) {
        var b = c.toBuilder();
        b.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setPid(dev.hako.cri.v1.NamespaceMode.POD);
        return b.build();
    }

    /** A stand-in OTLP/HTTP collector: POST /v1/traces with an ExportTraceServiceRequest, answered 200. */
    private static HttpServer collector(ConcurrentLinkedQueue<Received> into) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                ExportTraceServiceRequest r = ExportTraceServiceRequest.parseFrom(in.readAllBytes());
                for (ResourceSpans rs : r.getResourceSpansList()) {
                    String service = rs.getResource().getAttributesList().stream()
                            .filter(kv -> kv.getKey().equals("service.name"))
                            .map(kv -> kv.getValue().getStringValue()).findFirst().orElse("");
                    for (ScopeSpans ss : rs.getScopeSpansList()) {
                        ss.getSpansList().forEach(span -> into.add(new Received(service, span)));
                    }
                }
                byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, answer.length == 0 ? -1 : answer.length);
                exchange.getResponseBody().write(answer);
            } finally {
                exchange.close();
            }
        });
        server.start();
        return server;
    }

    private static Span await(ConcurrentLinkedQueue<Received> spans, Predicate<Span> which) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Optional<Span> found = spans.stream().map(Received::span).filter(which).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            assertThat(System.nanoTime()).as("a span the collector should have received").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static void awaitChildren(ConcurrentLinkedQueue<Received> spans, Span parent, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (children(spans, parent).size() < n) {
            assertThat(System.nanoTime()).as("children of " + parent.getName()).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** The spans whose parent is {@code parent}, in start order. */
    private static List<Span> children(ConcurrentLinkedQueue<Received> spans, Span parent) {
        return spans.stream().map(Received::span)
                .filter(s -> s.getParentSpanId().equals(parent.getSpanId()) && s.getTraceId().equals(parent.getTraceId()))
                .sorted(java.util.Comparator.comparingLong(Span::getStartTimeUnixNano))
                .toList();
    }

    private static Map<String, String> attributes(Span s) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (KeyValue kv : s.getAttributesList()) {
            out.put(kv.getKey(), kv.getValue().hasIntValue() ? Long.toString(kv.getValue().getIntValue())
                    : kv.getValue().getStringValue());
        }
        return out;
    }

    private static String hex(ByteString b) {
        return HexFormat.of().formatHex(b.toByteArray());
    }
}
