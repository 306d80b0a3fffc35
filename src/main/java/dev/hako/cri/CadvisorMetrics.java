package dev.hako.cri;

import dev.hako.cri.v1.Metric;
import dev.hako.cri.v1.MetricType;
import java.util.List;

/**
 * The metrics Hako reports, under cAdvisor's names (the kubelet adds the pod and container labels),
 * for ListMetricDescriptors and ListPodSandboxMetrics. The order of each list is the order values are given in.
 */
final class CadvisorMetrics {
    private CadvisorMetrics() {}

    record Descriptor(String name, String help, MetricType type, List<String> labelKeys) {}

    /** Per container: CPU seconds, memory usage, working set, RSS, writable-layer bytes and inodes. */
    static final List<Descriptor> CONTAINER = List.of(
            new Descriptor("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.",
                    MetricType.COUNTER, List.of()),
            new Descriptor("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed.",
                    MetricType.GAUGE, List.of()),
            new Descriptor("container_memory_working_set_bytes", "Current working set in bytes.",
                    MetricType.GAUGE, List.of()),
            new Descriptor("container_memory_rss", "Size of RSS in bytes.", MetricType.GAUGE, List.of()),
            new Descriptor("container_fs_usage_bytes", "Number of bytes that are consumed by the container's writable layer.",
                    MetricType.GAUGE, List.of()),
            new Descriptor("container_fs_inodes_total", "Number of inodes used by the container's writable layer.",
                    MetricType.GAUGE, List.of()));
    /** Per pod network interface: bytes and errors received, bytes and errors sent. */
    static final List<Descriptor> POD = List.of(
            new Descriptor("container_network_receive_bytes_total", "Cumulative count of bytes received.",
                    MetricType.COUNTER, List.of("interface")),
            new Descriptor("container_network_receive_errors_total", "Cumulative count of errors encountered while receiving.",
                    MetricType.COUNTER, List.of("interface")),
            new Descriptor("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted.",
                    MetricType.COUNTER, List.of("interface")),
            new Descriptor("container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting.",
                    MetricType.COUNTER, List.of("interface")));

    static Metric metric(Descriptor d, long at, long value, String... labels) {
        return Metric.newBuilder().setName(d.name()).setTimestamp(at).setMetricType(d.type())
                .addAllLabelValues(List.of(labels)).setValue(StatsProtos.u64(value)).build();
    }
}
