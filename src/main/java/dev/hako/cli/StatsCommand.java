package dev.hako.cli;

import dev.hako.cri.v1.Container;
import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.ContainerStats;
import dev.hako.cri.v1.CpuUsage;
import dev.hako.cri.v1.ListContainerStatsRequest;
import dev.hako.cri.v1.ListContainerStatsResponse;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.ListPodSandboxStatsRequest;
import dev.hako.cri.v1.ListPodSandboxStatsResponse;
import dev.hako.cri.v1.MemoryUsage;
import dev.hako.cri.v1.PodSandbox;
import dev.hako.cri.v1.PodSandboxState;
import dev.hako.cri.v1.PodSandboxStats;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code hako stats} and {@code hako statsp}: the CRI's container (pod) stats as a table, redrawn every
 * second on a terminal as {@code docker stats} does, or one sample with {@code --no-stream} or when
 * standard output is no terminal ({@code -o json|yaml}: the CRI response of that sample).
 *
 * <p>CPU % is of one core (200 % = two cores busy): the growth of {@code usage_core_nano_seconds}
 * between this sample and the one before, over the time between them; for the first sample, or when
 * the daemon has not sampled again since, its own rate {@code usage_nano_cores}. MEM % is the working
 * set of the limit when the daemon gives {@code available_bytes} (limit = working set + available),
 * else of the node's memory ({@code MemTotal}), as {@code docker stats} shows an unlimited container.
 */
final class StatsCommand {
    /** What to show: containers by ID (full, resolved), of a pod (by ID or name), non-running ones too. */
    record Selection(Set<String> ids, String podId, String podName, boolean all) {
        boolean admitsPod(String id, String name) {
            return (podId == null || podId.equals(id)) && (podName == null || podName.equals(name));
        }
    }

    /** One line of the table; {@code cpu} NaN when unknown (not running), {@code limit} 0 when unknown. */
    record Row(String id, String name, String pod, double cpu, long memory, long limit, List<String> extra) {}

    private final CriClient client;
    private final Selection selection;
    private final boolean pods;
    private final long nodeMemory = nodeMemory();
    /** The CPU usage of each container (pod) in the sample before, for the rate. */
    private Map<String, CpuUsage> before = Map.of();

    StatsCommand(CriClient client, Selection selection, boolean pods) {
        this.client = client;
        this.selection = selection;
        this.pods = pods;
    }

    /**
     * The selection for the IDs and {@code --pod} given: container ID prefixes resolve (unknown or
     * ambiguous ones are refused); a pod by ID prefix, or else by name.
     */
    static Selection select(Ids ids, List<String> given, String pod, boolean all, boolean podIds) {
        Set<String> full = new java.util.LinkedHashSet<>();
        for (String g : given) {
            full.add(podIds ? ids.pod(g) : ids.container(g));
        }
        String podId = null;
        String podName = null;
        if (pod != null) {
            var found = Ids.find("pod", pod, ids.pods());
            if (found.isPresent()) {
                podId = found.get();
            } else {
                podName = pod;
            }
        }
        return new Selection(Set.copyOf(full), podId, podName, all || !given.isEmpty());
    }

    /** {@code --no-stream} (or no terminal): one sample, as a table or the CRI response. */
    void once(Output format, PrintStream out) {
        if (format != Output.TABLE) {
            out.print(format.document(pods ? podStats() : containerStats()));
            return;
        }
        out.print(table(pods ? podRows() : containerRows()));
    }

    /** Redraws the table every second until interrupted (Ctrl-C ends the process). */
    void live(PrintStream out) {
        while (!Thread.currentThread().isInterrupted()) {
            String frame = table(pods ? podRows() : containerRows());
            out.print("\033[H\033[2J" + frame);
            out.flush();
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- containers

    private ListContainerStatsResponse containerStats() {
        Set<String> shown = new java.util.HashSet<>();
        containers(shown, new HashMap<>());
        List<ContainerStats> stats = client.runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance())
                .getStatsList().stream().filter(s -> shown.contains(s.getAttributes().getId())).toList();
        return ListContainerStatsResponse.newBuilder().addAllStats(stats).build();
    }

    /** The selected containers (in list order) into {@code shown}; their pod's "name/namespace" into {@code podOf}. */
    private List<Container> containers(Set<String> shown, Map<String, String> podOf) {
        Map<String, PodSandbox> podsById = new HashMap<>();
        for (PodSandbox p : client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            podsById.put(p.getId(), p);
        }
        List<Container> out = new ArrayList<>();
        for (Container c : client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
            PodSandbox p = podsById.get(c.getPodSandboxId());
            String podName = p == null ? "" : p.getMetadata().getName();
            if ((!selection.ids().isEmpty() && !selection.ids().contains(c.getId()))
                    || !selection.admitsPod(c.getPodSandboxId(), podName)
                    || (!selection.all() && c.getState() != ContainerState.CONTAINER_RUNNING)) {
                continue;
            }
            out.add(c);
            shown.add(c.getId());
            podOf.put(c.getId(), p == null ? "-" : podName + "/" + p.getMetadata().getNamespace());
        }
        return out;
    }

    List<Row> containerRows() {
        Map<String, String> podOf = new HashMap<>();
        List<Container> list = containers(new java.util.HashSet<>(), podOf);
        Map<String, ContainerStats> stats = new HashMap<>();
        for (ContainerStats s : client.runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance())
                .getStatsList()) {
            stats.put(s.getAttributes().getId(), s);
        }
        Map<String, CpuUsage> now = new HashMap<>();
        List<Row> rows = new ArrayList<>();
        for (Container c : list) {
            ContainerStats s = stats.get(c.getId());
            boolean sampled = s != null && s.hasCpu() && c.getState() == ContainerState.CONTAINER_RUNNING;
            if (sampled) {
                now.put(c.getId(), s.getCpu());
            }
            MemoryUsage m = s == null ? MemoryUsage.getDefaultInstance() : s.getMemory();
            String disk = s != null && s.getWritableLayer().hasUsedBytes()
                    ? PullProgress.bytes(s.getWritableLayer().getUsedBytes().getValue()) : "--";
            rows.add(new Row(c.getId(), c.getMetadata().getName(), podOf.get(c.getId()),
                    sampled ? cpuPercent(before.get(c.getId()), s.getCpu()) : Double.NaN,
                    sampled ? m.getWorkingSetBytes().getValue() : 0, limit(m), List.of(disk)));
        }
        before = now;
        return rows;
    }

    // ---- pods

    private ListPodSandboxStatsResponse podStats() {
        Set<String> shown = new java.util.HashSet<>();
        for (PodSandbox p : selectedPods()) {
            shown.add(p.getId());
        }
        List<PodSandboxStats> stats = client.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance())
                .getStatsList().stream().filter(s -> shown.contains(s.getAttributes().getId())).toList();
        return ListPodSandboxStatsResponse.newBuilder().addAllStats(stats).build();
    }

    private List<PodSandbox> selectedPods() {
        List<PodSandbox> out = new ArrayList<>();
        for (PodSandbox p : client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            if ((!selection.ids().isEmpty() && !selection.ids().contains(p.getId()))
                    || !selection.admitsPod(p.getId(), p.getMetadata().getName())
                    || (!selection.all() && p.getState() != PodSandboxState.SANDBOX_READY)) {
                continue;
            }
            out.add(p);
        }
        return out;
    }

    List<Row> podRows() {
        List<PodSandbox> list = selectedPods();
        Map<String, PodSandboxStats> stats = new HashMap<>();
        for (PodSandboxStats s : client.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance())
                .getStatsList()) {
            stats.put(s.getAttributes().getId(), s);
        }
        Map<String, CpuUsage> now = new HashMap<>();
        List<Row> rows = new ArrayList<>();
        for (PodSandbox p : list) {
            PodSandboxStats s = stats.get(p.getId());
            boolean sampled = s != null && s.getLinux().hasCpu() && s.getLinux().getContainersCount() > 0
                    && s.getLinux().getCpu().hasUsageCoreNanoSeconds();
            if (sampled) {
                now.put(p.getId(), s.getLinux().getCpu());
            }
            MemoryUsage m = s == null ? MemoryUsage.getDefaultInstance() : s.getLinux().getMemory();
            String pids = s != null && s.getLinux().getProcess().hasProcessCount()
                    ? Long.toString(s.getLinux().getProcess().getProcessCount().getValue()) : "--";
            String net = "--";
            if (s != null && s.getLinux().getNetwork().hasDefaultInterface()) {
                var i = s.getLinux().getNetwork().getDefaultInterface();
                net = PullProgress.bytes(i.getRxBytes().getValue()) + " / " + PullProgress.bytes(i.getTxBytes().getValue());
            }
            rows.add(new Row(p.getId(), p.getMetadata().getName(), p.getMetadata().getNamespace(),
                    sampled ? cpuPercent(before.get(p.getId()), s.getLinux().getCpu()) : Double.NaN,
                    sampled ? m.getWorkingSetBytes().getValue() : 0, limit(m), List.of(pids, net)));
        }
        before = now;
        return rows;
    }

    // ---- figures and rendering

    /**
     * CPU % of one core: the growth of the cumulative usage over the time between two samples, when
     * {@code before} is an earlier sample; else the daemon's own rate; NaN when neither is there.
     */
    static double cpuPercent(CpuUsage before, CpuUsage now) {
        if (before != null && before.hasUsageCoreNanoSeconds() && now.hasUsageCoreNanoSeconds()
                && now.getTimestamp() > before.getTimestamp()) {
            long used = now.getUsageCoreNanoSeconds().getValue() - before.getUsageCoreNanoSeconds().getValue();
            if (used >= 0) { // a restarted container's counter starts over: then the daemon's rate
                return 100.0 * used / (now.getTimestamp() - before.getTimestamp());
            }
        }
        if (now.hasUsageNanoCores()) {
            return now.getUsageNanoCores().getValue() / 1e7;
        }
        return Double.NaN;
    }

    /** The memory limit: working set + available when the daemon gives it, else the node's memory (0: unknown). */
    private long limit(MemoryUsage m) {
        if (m.hasAvailableBytes() && m.hasWorkingSetBytes()) {
            return m.getWorkingSetBytes().getValue() + m.getAvailableBytes().getValue();
        }
        return nodeMemory;
    }

    String table(List<Row> rows) {
        return pods ? podTable(rows) : containerTable(rows);
    }

    private static final String CONTAINER_ROW = "%-13s  %-20s  %-25s  %7s  %-23s  %6s  %s%n";

    static String containerTable(List<Row> rows) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, CONTAINER_ROW,
                "CONTAINER", "NAME", "POD", "CPU %", "MEM USAGE / LIMIT", "MEM %", "DISK"));
        for (Row r : rows) {
            boolean sampled = !Double.isNaN(r.cpu());
            s.append(String.format(Locale.ROOT, CONTAINER_ROW, EventsCommand.shortId(r.id()), r.name(), r.pod(),
                    percent(r.cpu()), sampled ? memory(r.memory(), r.limit()) : "--",
                    sampled ? percent(memPercent(r.memory(), r.limit())) : "--", r.extra().getFirst()));
        }
        return s.toString();
    }

    private static final String POD_ROW = "%-13s  %-25s  %-15s  %7s  %-23s  %6s  %5s  %s%n";

    static String podTable(List<Row> rows) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, POD_ROW,
                "POD ID", "NAME", "NAMESPACE", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS", "NET RX / TX"));
        for (Row r : rows) {
            boolean sampled = !Double.isNaN(r.cpu());
            s.append(String.format(Locale.ROOT, POD_ROW, EventsCommand.shortId(r.id()), r.name(), r.pod(),
                    percent(r.cpu()), sampled ? memory(r.memory(), r.limit()) : "--",
                    sampled ? percent(memPercent(r.memory(), r.limit())) : "--", sampled ? r.extra().get(0) : "--",
                    r.extra().get(1)));
        }
        return s.toString();
    }

    static double memPercent(long used, long limit) {
        return limit > 0 ? 100.0 * used / limit : Double.NaN;
    }

    static String percent(double p) {
        return Double.isNaN(p) ? "--" : String.format(Locale.ROOT, "%.2f%%", p);
    }

    static String memory(long used, long limit) {
        return PullProgress.bytes(used) + " / " + (limit > 0 ? PullProgress.bytes(limit) : "--");
    }

    /** The node's memory ({@code MemTotal} of /proc/meminfo), 0 when it cannot be read. */
    static long nodeMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // unknown: MEM % shows "--"
        }
        return 0;
    }
}
