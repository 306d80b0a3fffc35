package dev.hako.stats;

import dev.hako.config.HakoConfig;
import dev.hako.container.Container;
import dev.hako.container.ContainerService;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.log.Log;
import dev.hako.pod.Pod;
import dev.hako.pod.PodService;
import dev.hako.sys.Command;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Samples container cgroups, writable layers and pod network counters in the background and serves
 * the latest samples. One virtual thread ticks every {@code interval}; it reads cgroup files only for
 * created and running containers, and a pod's /proc/net/dev only while one of its containers runs.
 * Writable layers are walked on their own virtual threads, at most once per {@code layerInterval} each.
 * Queries answer from the last snapshot in memory and never touch the filesystem (except to tell
 * NOT_FOUND from "not sampled yet" for an ID the snapshot does not hold).
 *
 * <p>So that no container is ever missing between two rounds, the container service reports every
 * creation, start and removal ({@link #track}, {@link #forget}): the container is sampled at once and
 * put into the snapshot, and a round that began before the event keeps it.
 */
public final class StatsService implements AutoCloseable {
    private static final Log LOG = Log.of("stats");

    /** Writable-layer usage as of its last walk; {@code timestamp} in epoch nanoseconds. */
    public record DiskUsage(long bytes, long inodes, long timestamp) {}

    /**
     * A container as last sampled. {@code cgroup} is null when it was not running (or its cgroup was
     * unreadable); {@code disk} null until the first walk finished.
     */
    public record ContainerSample(Container container, long timestamp, CgroupSample cgroup, long nanoCores,
                                  DiskUsage disk) {}

    /** A pod as last sampled: its containers' samples, their sum, and its interfaces (empty when not read). */
    public record PodSample(Pod pod, long timestamp, List<ContainerSample> containers, CgroupSample sum,
                            long nanoCores, List<NetDev.Iface> network) {}

    private record Snapshot(Map<String, ContainerSample> containers, Map<String, PodSample> pods) {}

    private record Previous(long cpuNanos, long monotonic, long cores) {}

    private final Path cgroupRoot;
    private final Path layers;
    private final Supplier<List<Container>> listContainers;
    private final Supplier<List<Pod>> listPods;
    private final Function<Container, byte[]> spec;
    private final Function<String, Container> findContainer;
    private final Function<String, Pod> findPod;
    private final Function<Path, String> netDevReader;
    /** A sandbox runtime's own figures for a container, or null: then its cgroup is read. */
    private volatile Function<Container, CgroupSample> sandboxSampler = c -> null;
    /**
     * Sandbox figures cost a runtime process each ({@code runsc events}): they are taken at most every
     * {@link #SANDBOX_INTERVAL} per container, the kubelet's own stats period, and served from here between.
     */
    private final Map<String, SandboxReading> sandboxReadings = new ConcurrentHashMap<>();
    static final Duration SANDBOX_INTERVAL = Duration.ofSeconds(10);

    private record SandboxReading(CgroupSample sample, long monotonic) {}
    private final Duration interval;
    private final Duration layerInterval;

    private final Map<String, CgroupPaths.Dirs> dirs = new ConcurrentHashMap<>();
    private final Map<String, Previous> previous = new ConcurrentHashMap<>();
    private final Map<String, DiskUsage> disks = new ConcurrentHashMap<>();
    private final Map<String, Long> walkStarted = new ConcurrentHashMap<>();
    private final Set<String> walking = ConcurrentHashMap.newKeySet();
    private volatile Snapshot current = new Snapshot(Map.of(), Map.of());
    /** Guards publishing a snapshot, so that a round never undoes an event that came after it began. */
    private final Object publish = new Object();
    /** Samples taken at an event, and removals, each with its {@code System.nanoTime()}, until a later round. */
    private final Map<String, Event> events = new LinkedHashMap<>();

    /** {@code sample} null: the container was removed. */
    private record Event(ContainerSample sample, long monotonic) {}
    private volatile Thread sampler;

    public StatsService(HakoConfig config, ContainerService containers, PodService pods) {
        this(Path.of("/sys/fs/cgroup"), config.root().resolve("containers"), containers::list, pods::list,
                containers::spec, containers::get, pods::get, StatsService::readNetDev, Duration.ofSeconds(1),
                Duration.ofSeconds(10));
        this.sandboxSampler = c -> containers.sandboxStats(c)
                .map(s -> new CgroupSample(s.cpuNanos(), s.memoryBytes(), s.memoryBytes(), s.memoryBytes(), 0, 0,
                        s.pids()))
                .orElse(null);
        containers.observe(new dev.hako.container.ContainerObserver() {
            @Override
            public void changed(Container c) {
                track(c);
            }

            @Override
            public void removed(Container c) {
                forget(c);
            }
        });
    }

    /** For tests: every source injectable. */
    public StatsService(Path cgroupRoot, Path layers, Supplier<List<Container>> listContainers,
                        Supplier<List<Pod>> listPods, Function<Container, byte[]> spec,
                        Function<String, Container> findContainer, Function<String, Pod> findPod,
                        Function<Path, String> netDevReader, Duration interval, Duration layerInterval) {
        this.cgroupRoot = cgroupRoot;
        this.layers = layers;
        this.listContainers = listContainers;
        this.listPods = listPods;
        this.spec = spec;
        this.findContainer = findContainer;
        this.findPod = findPod;
        this.netDevReader = netDevReader;
        this.interval = interval;
        this.layerInterval = layerInterval;
    }

    /** Starts the sampling thread. */
    public synchronized StatsService start() {
        if (sampler == null) {
            sampler = Thread.ofVirtual().name("hako-stats").start(this::loop);
        }
        return this;
    }

    @Override
    public synchronized void close() {
        if (sampler != null) {
            sampler.interrupt();
            sampler = null;
        }
    }

    private void loop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                tick();
            } catch (RuntimeException e) {
                LOG.warn("stats sampling failed; stats keep the last sample until the next one", "error", Log.cause(e));
            }
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    // ---- queries: memory only ---------------------------------------------------------------

    /** The container's last sample; NOT_FOUND when no such container exists. */
    public ContainerSample container(String idOrPrefix) {
        ContainerSample s = lookup(current.containers(), idOrPrefix);
        if (s != null) {
            return s;
        }
        Container c = findContainer.apply(idOrPrefix); // created since the last tick, or NOT_FOUND
        return new ContainerSample(c, epochNanos(), null, 0, null);
    }

    public Collection<ContainerSample> containers() {
        return current.containers().values();
    }

    /** The pod's last sample; NOT_FOUND when no such pod exists. */
    public PodSample pod(String idOrPrefix) {
        PodSample s = lookup(current.pods(), idOrPrefix);
        if (s != null) {
            return s;
        }
        Pod p = findPod.apply(idOrPrefix);
        return new PodSample(p, epochNanos(), List.of(), CgroupSample.ZERO, 0, List.of());
    }

    public Collection<PodSample> pods() {
        return current.pods().values();
    }

    private static <T> T lookup(Map<String, T> map, String idOrPrefix) {
        if (idOrPrefix == null || idOrPrefix.isEmpty()) {
            throw HakoException.invalidArgument("id", "must not be empty");
        }
        T exact = map.get(idOrPrefix);
        if (exact != null) {
            return exact;
        }
        T found = null;
        for (Map.Entry<String, T> e : map.entrySet()) {
            if (e.getKey().startsWith(idOrPrefix)) {
                if (found != null) {
                    return null; // ambiguous: let the service's lookup say so
                }
                found = e.getValue();
            }
        }
        return found;
    }

    // ---- sampling ---------------------------------------------------------------------------

    /** One sampling round; package-visible for tests. */
    void tick() {
        long began = System.nanoTime();
        List<Container> all = listContainers.get();
        Map<String, ContainerSample> cs = new LinkedHashMap<>();
        long now = epochNanos();
        for (Container c : all) {
            CgroupSample cg = null;
            long cores = 0;
            if (hasCgroup(c)) {
                cg = readCgroup(c);
                // a sandbox reading is dated when it was taken: between readings the rate stays what it was
                SandboxReading reading = sandboxReadings.get(c.id());
                long mono = reading != null ? reading.monotonic() : System.nanoTime();
                if (cg != null) {
                    Previous p = previous.get(c.id());
                    if (p != null && p.monotonic() == mono) {
                        cores = p.cores();
                    } else {
                        if (p != null && mono > p.monotonic() && cg.cpuNanos() >= p.cpuNanos()) {
                            cores = (long) ((cg.cpuNanos() - p.cpuNanos()) * 1e9 / (mono - p.monotonic()));
                        }
                        previous.put(c.id(), new Previous(cg.cpuNanos(), mono, cores));
                    }
                }
            } else {
                previous.remove(c.id());
            }
            maybeWalk(c.id());
            cs.put(c.id(), new ContainerSample(c, now, cg, cores, disks.get(c.id())));
        }
        List<Pod> podList = listPods.get();
        // network counters cost a process per pod: read before taking the lock that events wait on
        Map<String, List<NetDev.Iface>> networks = new LinkedHashMap<>();
        for (Pod p : podList) {
            networks.put(p.id(), readNetwork(p, cs.values().stream().filter(s -> s.container().podId().equals(p.id()))
                    .toList()));
        }
        synchronized (publish) {
            // events since this round began win over what the round read before them
            for (Map.Entry<String, Event> e : events.entrySet()) {
                if (e.getValue().monotonic() < began) {
                    continue;
                }
                ContainerSample tracked = e.getValue().sample();
                ContainerSample read = cs.get(e.getKey());
                if (tracked == null) {
                    cs.remove(e.getKey());
                } else if (read == null || read.cgroup() == null) {
                    cs.put(e.getKey(), tracked);
                }
            }
            events.values().removeIf(e -> e.monotonic() < began);
            Map<String, List<ContainerSample>> byPod = new LinkedHashMap<>();
            for (ContainerSample s : cs.values()) {
                byPod.computeIfAbsent(s.container().podId(), k -> new ArrayList<>()).add(s);
            }
            Map<String, PodSample> ps = new LinkedHashMap<>();
            Map<String, PodSample> before = current.pods();
            for (Pod p : podList) {
                List<ContainerSample> members = byPod.getOrDefault(p.id(), List.of());
                ps.put(p.id(), podSample(p, now, members, networks.get(p.id())));
            }
            // pods made while this round ran: kept as the events left them
            before.forEach((id, sample) -> {
                if (!ps.containsKey(id) && byPod.containsKey(id)) {
                    ps.put(id, podSample(sample.pod(), now, byPod.get(id), sample.network()));
                }
            });
            current = new Snapshot(cs, ps);
        }
        for (Map<String, ?> cache : List.of(dirs, previous, disks, walkStarted, sandboxReadings)) {
            cache.keySet().retainAll(cs.keySet());
        }
    }

    /** A pod's figures: the sum over its containers that have a cgroup sample. */
    private static PodSample podSample(Pod p, long now, List<ContainerSample> members, List<NetDev.Iface> net) {
        CgroupSample sum = CgroupSample.ZERO;
        long cores = 0;
        for (ContainerSample s : members) {
            if (s.cgroup() != null) {
                sum = sum.plus(s.cgroup());
                cores += s.nanoCores();
            }
        }
        return new PodSample(p, now, List.copyOf(members), sum, cores, net);
    }

    private List<NetDev.Iface> readNetwork(Pod p, List<ContainerSample> members) {
        boolean running = members.stream().anyMatch(s -> s.cgroup() != null);
        if (running && p.state() == Pod.State.READY && p.context().netns() != null) {
            try {
                return NetDev.parse(netDevReader.apply(p.context().netns()));
            } catch (RuntimeException e) {
                LOG.debug("cannot read pod network counters", "pod", p.id(), "error", e.toString());
            }
        }
        return List.of();
    }

    // ---- events: containers appear and go at once -------------------------------------------

    /**
     * A container was created or started: it is sampled now (its cgroup, and its writable layer, which
     * is small this early) and answered from the snapshot from here on.
     */
    public void track(Container c) {
        long mono = System.nanoTime();
        CgroupSample cg = null;
        if (hasCgroup(c)) {
            try {
                // host cgroup files only: a sandbox runtime's own figures cost a process, which StartContainer
                // should not wait for; the next round brings them
                cg = readCgroupFiles(c);
            } catch (RuntimeException e) {
                LOG.debug("cannot sample a new container", "container", c.id(), "error", e.toString());
            }
        }
        DiskUsage disk = disks.get(c.id());
        if (disk == null) {
            disk = walk(layers.resolve(c.id()).resolve("upper"));
            disks.put(c.id(), disk);
            walkStarted.putIfAbsent(c.id(), mono);
        }
        ContainerSample sample = new ContainerSample(c, epochNanos(), cg, 0, disk);
        synchronized (publish) {
            events.put(c.id(), new Event(sample, mono));
            Snapshot snap = current;
            Map<String, ContainerSample> cs = new LinkedHashMap<>(snap.containers());
            cs.put(c.id(), sample);
            current = new Snapshot(cs, withPod(snap.pods(), cs, c.podId()));
        }
    }

    /** A container was removed: it leaves the answers now, not at the next round. */
    public void forget(Container c) {
        synchronized (publish) {
            events.put(c.id(), new Event(null, System.nanoTime()));
            Snapshot snap = current;
            if (!snap.containers().containsKey(c.id())) {
                return;
            }
            Map<String, ContainerSample> cs = new LinkedHashMap<>(snap.containers());
            cs.remove(c.id());
            current = new Snapshot(cs, withPod(snap.pods(), cs, c.podId()));
        }
    }

    /** {@code pods} with pod {@code podId}'s sample rebuilt from {@code cs}; its network figures kept. */
    private Map<String, PodSample> withPod(Map<String, PodSample> pods, Map<String, ContainerSample> cs, String podId) {
        PodSample old = pods.get(podId);
        Pod pod;
        if (old != null) {
            pod = old.pod();
        } else {
            try {
                pod = findPod.apply(podId);
            } catch (RuntimeException e) {
                return pods; // the pod is going away too
            }
            if (pod == null) {
                return pods;
            }
        }
        List<ContainerSample> members = cs.values().stream().filter(s -> s.container().podId().equals(podId)).toList();
        Map<String, PodSample> out = new LinkedHashMap<>(pods);
        out.put(podId, podSample(pod, epochNanos(), members, old != null ? old.network() : List.of()));
        return out;
    }

    /** Created containers have their cgroup already (the runtime made it at create); exited ones are gone. */
    private static boolean hasCgroup(Container c) {
        return c.state() == Container.State.RUNNING || c.state() == Container.State.CREATED;
    }

    private CgroupSample readCgroup(Container c) {
        long now = System.nanoTime();
        SandboxReading last = sandboxReadings.get(c.id());
        if (last != null && now - last.monotonic() < SANDBOX_INTERVAL.toNanos()) {
            return last.sample();
        }
        CgroupSample own = sandboxSampler.apply(c);
        if (own != null) {
            sandboxReadings.put(c.id(), new SandboxReading(own, now));
            return own;
        }
        return readCgroupFiles(c);
    }

    /** The container's host cgroup files only: cheap, never a runtime process. */
    private CgroupSample readCgroupFiles(Container c) {
        CgroupPaths.Dirs d = dirs.computeIfAbsent(c.id(), id -> dirsFor(c));
        if (d == null) {
            return null;
        }
        try {
            return CgroupFiles.read(d);
        } catch (IOException e) {
            return null; // not created yet, or just gone
        }
    }

    private CgroupPaths.Dirs dirsFor(Container c) {
        byte[] text = spec.apply(c);
        if (text == null || text.length == 0) {
            return null;
        }
        try {
            Object linux = Json.parseObject(new String(text, StandardCharsets.UTF_8)).get("linux");
            if (linux instanceof Map<?, ?> m && m.get("cgroupsPath") instanceof String path) {
                return CgroupPaths.resolve(cgroupRoot, path);
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot read the container's cgroups path from its OCI spec; it has no stats", "container", c.id(),
                    "container_name", c.name(), "pod", c.podId(), "error", Log.cause(e));
        }
        return null;
    }

    private void maybeWalk(String id) {
        long mono = System.nanoTime();
        Long last = walkStarted.get(id);
        if (last != null && mono - last < layerInterval.toNanos()) {
            return;
        }
        if (!walking.add(id)) {
            return;
        }
        walkStarted.put(id, mono);
        Thread.ofVirtual().name("hako-stats-layer").start(() -> {
            try {
                DiskUsage u = walk(layers.resolve(id).resolve("upper"));
                if (walkStarted.containsKey(id)) {
                    disks.put(id, u);
                }
            } finally {
                walking.remove(id);
            }
        });
    }

    /** Bytes of regular files and number of inodes (files, dirs, links) under {@code dir}; zero when missing. */
    static DiskUsage walk(Path dir) {
        long[] totals = new long[2];
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    totals[1]++;
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    totals[1]++;
                    if (attrs.isRegularFile()) {
                        totals[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE; // removed while walking
                }
            });
        } catch (NoSuchFileException e) {
            return new DiskUsage(0, 0, epochNanos());
        } catch (IOException e) {
            LOG.debug("cannot walk writable layer", "path", dir, "error", e.toString());
        }
        return new DiskUsage(totals[0], totals[1], epochNanos());
    }

    /** /proc/net/dev as seen inside the network namespace pinned at {@code netns}. */
    static String readNetDev(Path netns) {
        try {
            return Command.run(Duration.ofSeconds(5), List.of(Command.find("nsenter", "util-linux").toString(),
                    "--net=" + netns, "cat", "/proc/net/dev"));
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
