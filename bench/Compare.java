import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.ContainerStatusRequest;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.ImageServiceGrpc;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.LinuxPodSandboxConfig;
import dev.hako.cri.v1.LinuxSandboxSecurityContext;
import dev.hako.cri.v1.ListContainerStatsRequest;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.ListPodSandboxStatsRequest;
import dev.hako.cri.v1.NamespaceMode;
import dev.hako.cri.v1.NamespaceOption;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.cri.v1.RemoveImageRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.cri.v1.VersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The driver of bench/compare: Hako and containerd side by side, interleaved, through the same CRI
 * client. bench/compare sets up the registry, the images and both runtimes' directories and configs
 * (bench/lib/runtimes.sh); this program starts and stops the daemons, measures, prints the markdown
 * tables on stdout (progress on stderr) and removes its pods and stops its daemons at the end, also
 * on SIGINT (a shutdown hook).
 * Usage: java -cp <test classpath> bench/Compare.java --hako-bin PATH --hako-dir DIR --containerd-dir DIR
 *        [--runs N] [--pods N] [--load-seconds S] [--load-rate R] [--no-gvisor]
 */
public class Compare {
    static final String RANDOM_IMAGE = "docker.io/bench/random:1";
    static final String BUSYBOX = "docker.io/library/busybox:1.36";
    static final String PAUSE = "registry.k8s.io/pause:3.6";
    static final String CGROUP_TOP = "hakocompare";

    static EventLoopGroup loop;
    static final List<Daemon> DAEMONS = new ArrayList<>();
    static volatile boolean STOPPING;

    public static void main(String[] args) {
        int rc = 0;
        try {
            measure(options(args));
        } catch (Throwable e) {
            if (!STOPPING) { // else the shutdown hook closed the channels under a call: Ctrl-C, not a failure
                e.printStackTrace();
            }
            rc = 1;
        }
        System.exit(rc); // runs the shutdown hook (pods removed, daemons stopped) and ends the client's threads
    }

    static void measure(Map<String, String> o) throws Exception {
        int runs = Integer.parseInt(o.getOrDefault("runs", "3"));
        int pods = Integer.parseInt(o.getOrDefault("pods", "20"));
        int loadSeconds = Integer.parseInt(o.getOrDefault("load-seconds", "60"));
        int loadRate = Integer.parseInt(o.getOrDefault("load-rate", "200"));
        boolean gvisor = !o.containsKey("no-gvisor");
        loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Path hakoDir = Path.of(o.get("hako-dir"));
        Path ctrDir = Path.of(o.get("containerd-dir"));
        Daemon hako = new Daemon("hako", "Hako", hakoDir, hakoDir.resolve("run/hako.sock"),
                List.of(o.get("hako-bin"), "daemon", "--config", hakoDir.resolve("hako.toml").toString()),
                hakoDir.resolve("root"), List.of(hakoDir.resolve("run")),
                List.of("content/blobs/sha256", "snapshots/layers"));
        Daemon ctr = new Daemon("containerd", "containerd", ctrDir, ctrDir.resolve("containerd.sock"),
                List.of("containerd", "--config", ctrDir.resolve("config.toml").toString()),
                ctrDir.resolve("root"), List.of(ctrDir.resolve("state")),
                List.of("io.containerd.content.v1.content/blobs/sha256", "io.containerd.snapshotter.v1.overlayfs/snapshots"));
        List<Daemon> both = List.of(hako, ctr);
        DAEMONS.addAll(both);
        Runtime.getRuntime().addShutdownHook(new Thread(Compare::shutdown));
        Map<Daemon, String> version = new HashMap<>();
        Results r = new Results();

        // 1 + 6: cold pulls, each by a fresh daemon on an empty root, alternating the runtimes
        for (int i = 1; i <= runs; i++) {
            for (Daemon d : i % 2 == 1 ? both : both.reversed()) {
                d.wipe();
                double ready = d.start();
                version.putIfAbsent(d, d.version());
                d.requireEmpty();
                double pull = d.pull(RANDOM_IMAGE);
                r.add(d, "ready", ready);
                r.add(d, "cold", pull);
                log("cold pull %d/%d %-10s ready %6.0f ms, pull %6.0f ms", i, runs, d.name, ready, pull);
                d.stop();
            }
        }
        // 2: warm pulls: the daemons stay up; one untimed pull first; the image is removed after each
        for (Daemon d : both) {
            d.wipe();
            d.start();
            d.pull(RANDOM_IMAGE);
            d.removeImage(RANDOM_IMAGE);
        }
        for (int i = 1; i <= runs; i++) {
            for (Daemon d : i % 2 == 1 ? both : both.reversed()) {
                d.requireEmpty();
                double pull = d.pull(RANDOM_IMAGE);
                d.removeImage(RANDOM_IMAGE);
                r.add(d, "warm", pull);
                log("warm pull %d/%d %-10s %6.0f ms", i, runs, d.name, pull);
            }
        }
        // 3: pod start; the images are present (the kubelet pulls before it runs a pod)
        for (Daemon d : both) {
            d.pull(BUSYBOX);
            if (d == ctr) {
                d.pull(PAUSE);
            }
            PodRun warm = d.runPod("warmup", "");
            d.removePod(warm.podId());
        }
        for (int i = 1; i <= pods; i++) {
            for (Daemon d : i % 2 == 1 ? both : both.reversed()) {
                PodRun p = d.runPod("bench-" + i, "");
                r.add(d, "pod", p.total());
                r.add(d, "pod-run", p.run());
                r.add(d, "pod-create", p.create());
                r.add(d, "pod-start", p.start());
                log("pod %2d/%d %-10s %6.1f ms (run %.1f, create %.1f, start %.1f)", i, pods, d.name, p.total(), p.run(), p.create(), p.start());
            }
        }
        // 4: memory with the pods running
        Thread.sleep(5000);
        Map<Daemon, Memory> mem = new HashMap<>();
        for (Daemon d : both) {
            mem.put(d, Memory.of(d));
            log("memory %-10s %s; %d cgroup directories under /%s", d.name, mem.get(d), podCgroups(d), CGROUP_TOP);
        }
        // 5: load, in blocks of 10 s alternating between the runtimes
        Map<Daemon, Load> load = new HashMap<>();
        for (Daemon d : both) {
            load.put(d, new Load(d));
        }
        int block = Math.min(10, loadSeconds);
        for (int done = 0; done < loadSeconds; done += block) {
            for (Daemon d : done / block % 2 == 0 ? both : both.reversed()) { // ABBA: neither always goes first
                d.ensureUp();
                load.get(d).run(loadRate, Math.min(block, loadSeconds - done));
                log("load %-10s %d s done", d.name, Math.min(done + block, loadSeconds));
            }
        }
        String versions = version.get(hako) + "; " + version.get(ctr);
        for (Daemon d : both) {
            d.ensureUp();
            d.removeAllPods();
        }
        ctr.stop();

        // 7: gVisor on Hako against its own runc pods, alternating
        Map<String, List<PodRun>> gv = new LinkedHashMap<>();
        Map<String, PodMemory> gvMem = new LinkedHashMap<>();
        String gvError = null;
        if (gvisor) {
            try {
                for (String h : List.of("runc", "runsc")) {
                    gv.put(h, new ArrayList<>());
                    hako.removePod(hako.runPod("warmup-" + h, h).podId());
                }
                for (int i = 1; i <= pods; i++) {
                    for (String h : i % 2 == 1 ? List.of("runc", "runsc") : List.of("runsc", "runc")) {
                        PodRun p = hako.runPod("gv-" + h + "-" + i, h);
                        gv.get(h).add(p);
                        log("gvisor pod %2d/%d %-5s %6.1f ms", i, pods, h, p.total());
                    }
                }
                Thread.sleep(5000);
                for (String h : gv.keySet()) {
                    gvMem.put(h, PodMemory.of(hako, gv.get(h)));
                }
            } catch (RuntimeException e) {
                gvError = e.getMessage();
                log("gVisor phase failed: %s", e);
            }
            hako.removeAllPods();
        }
        hako.stop();

        print(r, mem, load, hako, ctr, runs, pods, loadSeconds, loadRate, versions);
        if (gvisor) {
            printGvisor(gv, gvMem, gvError, pods);
        }
    }

    // ------------------------------------------------------------------ output

    static void print(Results r, Map<Daemon, Memory> mem, Map<Daemon, Load> load, Daemon h, Daemon c,
                      int runs, int pods, int loadSeconds, int loadRate, String versions) {
        System.out.println("CRI: " + versions);
        System.out.println();
        System.out.println("| what | Hako | containerd | ratio | target |");
        System.out.println("|---|---|---|---|---|");
        row("pull of a 6-layer 102 MB image into an empty store, **fresh daemon** (median of " + runs + ")",
                r.median(h, "cold"), r.median(c, "cold"), "%.0f ms", "≤ 0.8", r.all(h, "cold"), r.all(c, "cold"));
        row("same pull, daemon already running and warmed by a pull (median of " + runs + ")",
                r.median(h, "warm"), r.median(c, "warm"), "%.0f ms", "no regression", r.all(h, "warm"), r.all(c, "warm"));
        row("daemon ready: exec to the first answered `Version` (median of the " + runs + " cold starts)",
                r.median(h, "ready"), r.median(c, "ready"), "%.0f ms", "Hako ≤ 300 ms", r.all(h, "ready"), r.all(c, "ready"));
        System.out.printf("| pod start, warm gRPC client, kubelet-like pod (pid namespace per container, CNI bridge), image present: median of %d | %s | %s | %s | ≤ 0.5 |%n",
                pods, podCell(r, h), podCell(r, c), ratio(r.median(h, "pod"), r.median(c, "pod")));
        System.out.printf("| same, p90 | %.0f ms | %.0f ms | %s | |%n", r.p(h, "pod", 90), r.p(c, "pod", 90),
                ratio(r.p(h, "pod", 90), r.p(c, "pod", 90)));
        Memory mh = mem.get(h), mc = mem.get(c);
        System.out.printf("| memory with %d pods running: daemon + monitors, RSS | %.1f MiB (daemon %.1f, %d conmons %.1f) | %.1f MiB (containerd %.1f, %d shims %.1f) | %s | ≤ 0.4 |%n",
                pods, mib(mh.rss()), mib(mh.daemonRss), mh.monitors, mib(mh.monitorRss), mib(mc.rss()), mib(mc.daemonRss),
                mc.monitors, mib(mc.monitorRss), ratio(mh.rss(), mc.rss()));
        System.out.printf("| same, **PSS** (what the node really pays) | %.1f MiB (daemon %.1f, conmons %.1f) | %.1f MiB (containerd %.1f, shims %.1f) | %s | ≤ 0.7 |%n",
                mib(mh.pss()), mib(mh.daemonPss), mib(mh.monitorPss), mib(mc.pss()), mib(mc.daemonPss), mib(mc.monitorPss),
                ratio(mh.pss(), mc.pss()));
        System.out.printf("| for information: pause/infra processes, RSS / PSS | %s | %s | | |%n", mh.infraCell(), mc.infraCell());
        Load lh = load.get(h), lc = load.get(c);
        String what = "%d kubelet-like List/Status/Stats calls per second for %d s, %d pods".formatted(loadRate, loadSeconds, pods);
        System.out.printf("| %s: p50 | %.1f ms | %.1f ms | %s | |%n", what, lh.p(50), lc.p(50), ratio(lh.p(50), lc.p(50)));
        System.out.printf("| same, p99 | %.1f ms | %.1f ms | %s | keep |%n", lh.p(99), lc.p(99), ratio(lh.p(99), lc.p(99)));
        System.out.println();
        for (Daemon d : List.of(h, c)) {
            if (d.crashes > 0) {
                System.out.printf("**%s died %d× during the run** (`%s`) and was started again on its state; the calls it "
                        + "failed meanwhile are counted as errors below, the latencies are those of the answered calls.%n%n",
                        d.label, d.crashes, d.crash);
            }
        }
        System.out.println("Runs (ms, in order): cold pull Hako " + r.all(h, "cold") + ", containerd " + r.all(c, "cold")
                + "; warm pull Hako " + r.all(h, "warm") + ", containerd " + r.all(c, "warm")
                + "; ready Hako " + r.all(h, "ready") + ", containerd " + r.all(c, "ready") + ".");
        System.out.println();
        System.out.printf("Load per call (p50 / p99 / max in ms; calls; errors), %d calls/s in 10 s blocks alternating between the runtimes:%n%n", loadRate);
        System.out.println("| call | share | Hako | containerd |");
        System.out.println("|---|---|---|---|");
        for (String m : Load.MIX.keySet()) {
            System.out.printf("| %s | %d/%d | %s | %s |%n", m, Load.MIX.get(m), Load.CYCLE, lh.cell(m), lc.cell(m));
        }
        System.out.println();
    }

    static void printGvisor(Map<String, List<PodRun>> gv, Map<String, PodMemory> mem, String error, int pods) {
        System.out.printf("gVisor (`--handler runsc`) against runc, both on Hako, %d pods each (alternating), the same kubelet-like pods:%n%n", pods);
        if (error != null) {
            System.out.println("gVisor phase failed: " + error);
            System.out.println();
            return;
        }
        System.out.println("| handler | pod start median (p90) | run / create / start | per pod RSS | per pod PSS | infra sandbox RSS / PSS | app container RSS / PSS |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String h : gv.keySet()) {
            List<PodRun> p = gv.get(h);
            PodMemory m = mem.get(h);
            String infra = m.infraRss == 0 ? "none" : "%.1f / %.1f MiB".formatted(mib(m.infraRss), mib(m.infraPss));
            System.out.printf("| %s | %.0f ms (%.0f ms) | %.0f / %.0f / %.0f ms | %.1f MiB | %.1f MiB | %s | %.1f / %.1f MiB |%n", h,
                    pct(p.stream().map(PodRun::total).toList(), 50), pct(p.stream().map(PodRun::total).toList(), 90),
                    pct(p.stream().map(PodRun::run).toList(), 50), pct(p.stream().map(PodRun::create).toList(), 50),
                    pct(p.stream().map(PodRun::start).toList(), 50),
                    mib(m.total(true)), mib(m.total(false)), infra, mib(m.appRss), mib(m.appPss));
        }
        System.out.println();
        for (String h : mem.keySet()) {
            System.out.println("- " + h + ": per pod " + mem.get(h).describe());
        }
        System.out.println();
    }

    static String podCell(Results r, Daemon d) {
        return "%.0f ms (run %.0f, create %.0f, start %.0f)".formatted(r.median(d, "pod"), r.median(d, "pod-run"),
                r.median(d, "pod-create"), r.median(d, "pod-start"));
    }

    static void row(String what, double h, double c, String fmt, String target, List<Double> allH, List<Double> allC) {
        System.out.printf("| %s | %s | %s | %s | %s |%n", what, fmt.formatted(h), fmt.formatted(c), ratio(h, c), target);
    }

    static String ratio(double h, double c) {
        return c > 0 && !Double.isNaN(h) ? "%.2f".formatted(h / c) : "n/a";
    }

    static double mib(long kib) {
        return kib / 1024.0;
    }

    static double pct(List<Double> xs, int p) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        if (p == 50) {
            int n = s.size();
            return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
        }
        return s.get(Math.max(0, (int) Math.ceil(s.size() * p / 100.0) - 1));
    }

    static void log(String fmt, Object... args) {
        System.err.printf("[compare %tT] %s%n", System.currentTimeMillis(), fmt.formatted(args));
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String k = args[i].replaceFirst("^--", "");
            if (k.equals("no-gvisor")) {
                o.put(k, "");
            } else {
                o.put(k, args[++i]);
            }
        }
        return o;
    }

    /** SIGINT or an error: remove the pods and stop the daemons (bench/compare's trap does the rest). */
    static void shutdown() {
        STOPPING = true;
        for (Daemon d : DAEMONS) {
            try {
                if (d.process != null && d.process.isAlive()) {
                    d.removeAllPods();
                    d.stop();
                }
            } catch (Exception e) {
                System.err.println("compare: cleaning up " + d.name + ": " + e);
            }
        }
    }

    static final class Results {
        final Map<String, List<Double>> values = new HashMap<>();

        void add(Daemon d, String key, double v) {
            values.computeIfAbsent(d.name + "/" + key, k -> new ArrayList<>()).add(v);
        }

        List<Double> all(Daemon d, String key) {
            return values.getOrDefault(d.name + "/" + key, List.of()).stream().map(v -> (double) Math.round(v)).toList();
        }

        double median(Daemon d, String key) {
            return pct(values.getOrDefault(d.name + "/" + key, List.of()), 50);
        }

        double p(Daemon d, String key, int p) {
            return pct(values.getOrDefault(d.name + "/" + key, List.of()), p);
        }
    }

    record PodRun(String podId, String containerId, double run, double create, double start) {
        double total() {
            return run + create + start;
        }
    }

    // ------------------------------------------------------------------ a daemon under test

    static final class Daemon {
        final String name;
        final String label;
        final Path dir;
        final Path socket;
        final List<String> command;
        final Path root;
        final List<Path> volatileDirs;
        final List<String> storeDirs;
        Process process;
        ManagedChannel channel;
        final AtomicInteger podSeq = new AtomicInteger();
        /** Times the daemon died under the benchmark, and the first fatal line of its log. */
        int crashes;
        String crash;

        Daemon(String name, String label, Path dir, Path socket, List<String> command, Path root, List<Path> volatileDirs,
               List<String> storeDirs) {
            this.name = name;
            this.label = label;
            this.dir = dir;
            this.socket = socket;
            this.command = command;
            this.root = root;
            this.volatileDirs = volatileDirs;
            this.storeDirs = storeDirs;
        }

        /** Starts the daemon in its own session (Ctrl-C reaches this driver, which stops it in order); returns ms to the first answered Version. */
        double start() throws Exception {
            Files.deleteIfExists(socket);
            List<String> cmd = new ArrayList<>(List.of("setsid"));
            cmd.addAll(command);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("daemon.log").toFile()));
            long t0 = System.nanoTime();
            process = pb.start();
            long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + dir.resolve("daemon.log"));
                }
                if (Files.exists(socket)) {
                    ManagedChannel ch = channel(socket);
                    try {
                        RuntimeServiceGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
                        double ms = (System.nanoTime() - t0) / 1e6;
                        channel = ch;
                        return ms;
                    } catch (RuntimeException notYet) {
                        ch.shutdownNow();
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " did not answer Version within 60 s");
                }
                Thread.sleep(2);
            }
        }

        /** A daemon that died (containerd 1.6.20 can, under concurrent stats calls) is counted and started again on its state. */
        void ensureUp() throws Exception {
            if (process == null || process.isAlive()) {
                return;
            }
            crashes++;
            if (crash == null) {
                try (Stream<String> lines = Files.lines(dir.resolve("daemon.log"))) {
                    crash = lines.filter(l -> l.startsWith("fatal error:") || l.startsWith("panic:") || l.contains("level=fatal"))
                            .findFirst().orElse("exit code " + process.exitValue());
                }
            }
            log("%s died (%s): starting it again", name, crash);
            channel.shutdownNow();
            start();
        }

        void stop() throws InterruptedException {
            if (channel != null) {
                channel.shutdownNow();
                channel = null;
            }
            if (process == null) {
                return;
            }
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                log("%s ignored SIGTERM for 30 s: SIGKILL", name);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            process = null;
        }

        /** An empty root and state: unmounts what is left below them and deletes them. */
        void wipe() throws Exception {
            List<Path> dirs = new ArrayList<>(volatileDirs);
            dirs.add(root);
            for (Path d : dirs) {
                List<String> mounts = new ArrayList<>();
                for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                    String m = line.split(" ")[4];
                    if (m.startsWith(d + "/")) {
                        mounts.add(m);
                    }
                }
                mounts.sort(Collections.reverseOrder());
                for (String m : mounts) {
                    run("umount", m);
                }
                run("rm", "-rf", d.toString());
            }
        }

        /** Neither blobs nor unpacked layers left in the store (containerd's GC may need a moment). */
        void requireEmpty() throws Exception {
            for (int i = 0; ; i++) {
                long n = 0;
                for (String s : storeDirs) {
                    Path p = root.resolve(s);
                    if (Files.isDirectory(p)) {
                        try (Stream<Path> l = Files.list(p)) {
                            n += l.count();
                        }
                    }
                }
                if (n == 0) {
                    return;
                }
                if (i == 50) {
                    throw new IllegalStateException(name + ": the store is not empty: " + n + " entries in " + storeDirs);
                }
                Thread.sleep(100);
            }
        }

        RuntimeServiceGrpc.RuntimeServiceBlockingStub rt() {
            return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
        }

        ImageServiceGrpc.ImageServiceBlockingStub img() {
            return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(300, TimeUnit.SECONDS);
        }

        String version() {
            var v = rt().version(VersionRequest.getDefaultInstance());
            return v.getRuntimeName() + " " + v.getRuntimeVersion() + " (CRI " + v.getRuntimeApiVersion() + ")";
        }

        double pull(String ref) {
            long t0 = System.nanoTime();
            img().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
            return (System.nanoTime() - t0) / 1e6;
        }

        void removeImage(String ref) {
            img().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
        }

        /** A pod as the kubelet sends it (cgroupfs parent, pid namespace per container, labels, resources) and its one container. */
        PodRun runPod(String podName, String handler) {
            String uid = "%s-%04d-%s".formatted(name, podSeq.incrementAndGet(), podName);
            String ns = "compare";
            PodSandboxConfig pod = PodSandboxConfig.newBuilder()
                    .setMetadata(PodSandboxMetadata.newBuilder().setName(podName).setNamespace(ns).setUid(uid))
                    .setHostname(podName)
                    .setLogDirectory(dir.resolve("logs/" + ns + "_" + podName + "_" + uid).toString())
                    .putLabels("io.kubernetes.pod.name", podName)
                    .putLabels("io.kubernetes.pod.namespace", ns)
                    .putLabels("io.kubernetes.pod.uid", uid)
                    .setLinux(LinuxPodSandboxConfig.newBuilder()
                            .setCgroupParent("/" + CGROUP_TOP + "/" + name + "/pod" + uid)
                            .setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                    .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))))
                    .build();
            ContainerConfig c = ContainerConfig.newBuilder()
                    .setMetadata(ContainerMetadata.newBuilder().setName("sleep"))
                    .setImage(ImageSpec.newBuilder().setImage(BUSYBOX))
                    .addCommand("/bin/sleep").addArgs("3600")
                    .setLogPath("sleep/0.log")
                    .putLabels("io.kubernetes.container.name", "sleep")
                    .putLabels("io.kubernetes.pod.name", podName)
                    .putLabels("io.kubernetes.pod.namespace", ns)
                    .putLabels("io.kubernetes.pod.uid", uid)
                    .setLinux(LinuxContainerConfig.newBuilder()
                            .setResources(LinuxContainerResources.newBuilder().setCpuShares(2).setCpuPeriod(100000).setOomScoreAdj(1000))
                            .setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                                    .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))))
                    .build();
            long t0 = System.nanoTime();
            String podId = rt().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).setRuntimeHandler(handler).build())
                    .getPodSandboxId();
            long t1 = System.nanoTime();
            String id = rt().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId).setConfig(c)
                    .setSandboxConfig(pod).build()).getContainerId();
            long t2 = System.nanoTime();
            rt().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            long t3 = System.nanoTime();
            return new PodRun(podId, id, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
        }

        void removePod(String podId) {
            rt().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
            rt().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(podId).build());
        }

        void removeAllPods() {
            if (channel == null) {
                return;
            }
            for (var p : rt().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                try {
                    removePod(p.getId());
                } catch (RuntimeException e) {
                    log("%s: removing pod %s: %s", name, p.getId(), e.getMessage());
                }
            }
        }

        long pid() {
            return process.pid();
        }

        /** The per-pod processes that belong to this daemon: conmons of its state, or shims on its socket. */
        boolean isMonitor(Proc p) {
            return name.equals("hako")
                    ? p.cmdline.startsWith("/usr/bin/conmon ") && p.cmdline.contains(dir + "/")
                    : p.cmdline.contains("containerd-shim-runc-v2 ") && p.cmdline.contains("-address " + socket + " ");
        }
    }

    static ManagedChannel channel(Path socket) {
        return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop)
                .withOption(ChannelOption.SO_KEEPALIVE, null).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
    }

    /** The kubelet-like cgroup parents are honoured: pod cgroups in the memory hierarchy (v1) or the unified one. */
    static long podCgroups(Daemon d) throws IOException {
        for (String h : List.of("/sys/fs/cgroup/memory/", "/sys/fs/cgroup/")) {
            Path p = Path.of(h + CGROUP_TOP + "/" + d.name);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    return s.filter(Files::isDirectory).count();
                }
            }
        }
        return 0;
    }

    static void run(String... cmd) throws Exception {
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    // ------------------------------------------------------------------ memory

    /** One process as /proc shows it: parent, command line, RSS and PSS in KiB (smaps_rollup). */
    record Proc(long pid, long ppid, String comm, String cmdline, long rss, long pss) {
        static Map<Long, Proc> all() throws IOException {
            Map<Long, Proc> m = new HashMap<>();
            try (Stream<Path> s = Files.list(Path.of("/proc"))) {
                for (Path p : s.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                    try {
                        String stat = Files.readString(p.resolve("stat"));
                        long ppid = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
                        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        String cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                        long rss = 0, pss = 0;
                        for (String line : Files.readAllLines(p.resolve("smaps_rollup"))) {
                            if (line.startsWith("Rss:")) {
                                rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                            } else if (line.startsWith("Pss:")) {
                                pss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                            }
                        }
                        long pid = Long.parseLong(p.getFileName().toString());
                        m.put(pid, new Proc(pid, ppid, comm, cmd, rss, pss));
                    } catch (IOException | RuntimeException gone) {
                        // ended meanwhile, or a kernel thread without smaps
                    }
                }
            }
            return m;
        }
    }

    /** Daemon + its monitors; the pause/infra processes (the monitors' children other than the workload) for information. */
    static final class Memory {
        long daemonRss, daemonPss, monitorRss, monitorPss, infraRss, infraPss;
        int monitors, infra;

        static Memory of(Daemon d) throws IOException {
            Map<Long, Proc> all = Proc.all();
            Memory m = new Memory();
            Proc daemon = all.get(d.pid());
            m.daemonRss = daemon.rss();
            m.daemonPss = daemon.pss();
            for (Proc p : all.values()) {
                if (d.isMonitor(p)) {
                    m.monitors++;
                    m.monitorRss += p.rss();
                    m.monitorPss += p.pss();
                } else if (all.containsKey(p.ppid()) && d.isMonitor(all.get(p.ppid())) && !p.comm().equals("sleep")) {
                    m.infra++;
                    m.infraRss += p.rss();
                    m.infraPss += p.pss();
                }
            }
            return m;
        }

        long rss() {
            return daemonRss + monitorRss;
        }

        long pss() {
            return daemonPss + monitorPss;
        }

        String infraCell() {
            return infra == 0 ? "none" : "%d processes, %.1f / %.1f MiB".formatted(infra, mib(infraRss), mib(infraPss));
        }

        @Override
        public String toString() {
            return "daemon %.1f/%.1f MiB, %d monitors %.1f/%.1f MiB (RSS/PSS), infra %s".formatted(mib(daemonRss), mib(daemonPss),
                    monitors, mib(monitorRss), mib(monitorPss), infraCell());
        }
    }

    /**
     * What each pod adds on the host, split by owner: a process is the app container's if its command line or
     * its nearest ancestor's names the container ID, the infra sandbox's if it names the pod ID (Hako's infra
     * container has the pod's ID). Averaged over the pods.
     */
    static final class PodMemory {
        long infraRss, infraPss, appRss, appPss;
        final Map<String, long[]> byComm = new java.util.TreeMap<>();
        int pods;

        static PodMemory of(Daemon d, List<PodRun> runs) throws IOException {
            Map<Long, Proc> all = Proc.all();
            PodMemory m = new PodMemory();
            m.pods = runs.size();
            for (Proc p : all.values()) {
                if (p.pid() == d.pid()) {
                    continue;
                }
                for (Proc q = p; q != null && q.pid() > 1 && q.pid() != d.pid(); q = all.get(q.ppid())) {
                    boolean hit = false;
                    for (PodRun r : runs) {
                        boolean app = q.cmdline().contains(r.containerId());
                        if (app || q.cmdline().contains(r.podId())) {
                            if (app) {
                                m.appRss += p.rss();
                                m.appPss += p.pss();
                            } else {
                                m.infraRss += p.rss();
                                m.infraPss += p.pss();
                            }
                            String argv0 = p.cmdline().isBlank() ? p.comm() : Path.of(p.cmdline().split(" ")[0]).getFileName().toString();
                            long[] c = m.byComm.computeIfAbsent((app ? "app " : "infra ") + argv0, k -> new long[3]);
                            c[0]++;
                            c[1] += p.rss();
                            c[2] += p.pss();
                            hit = true;
                            break;
                        }
                    }
                    if (hit) {
                        break;
                    }
                }
            }
            m.infraRss /= m.pods;
            m.infraPss /= m.pods;
            m.appRss /= m.pods;
            m.appPss /= m.pods;
            return m;
        }

        long total(boolean rss) {
            return rss ? infraRss + appRss : infraPss + appPss;
        }

        String describe() {
            StringBuilder b = new StringBuilder();
            for (var e : byComm.entrySet()) {
                long[] c = e.getValue();
                b.append(b.isEmpty() ? "" : "; ").append("%s ×%.1f %.1f/%.1f MiB".formatted(e.getKey(), c[0] / (double) pods,
                        mib(c[1] / pods), mib(c[2] / pods)));
            }
            return b + " (RSS/PSS)";
        }
    }

    // ------------------------------------------------------------------ load

    /**
     * Open-loop kubelet-like load: every 1/rate s one call starts on a virtual thread, whether or not the
     * earlier ones have answered, in a fixed cycle shaped like the kubelet's PLEG relists (ListPodSandbox,
     * ListContainers, then the status of pods and containers) and its stats provider (ListContainerStats,
     * ListPodSandboxStats). Latency from the call's start to its answer; a call not answered within 10 s is an error.
     */
    static final class Load {
        static final Map<String, Integer> MIX = new LinkedHashMap<>();
        static final int CYCLE;

        static {
            MIX.put("ListPodSandbox", 10);
            MIX.put("ListContainers", 10);
            MIX.put("PodSandboxStatus", 89);
            MIX.put("ContainerStatus", 89);
            // the kubelet asks for stats every 10-15 s (eviction manager, summary API); once a second each is
            // already ten times that, and containerd 1.6 needs ~0.2-2 s per ListPodSandboxStats with 20 pods
            MIX.put("ListContainerStats", 1);
            MIX.put("ListPodSandboxStats", 1);
            CYCLE = MIX.values().stream().mapToInt(Integer::intValue).sum();
        }

        final Daemon d;
        final List<String> pods;
        final List<String> containers;
        final List<String> sequence = new ArrayList<>();
        final Map<String, ConcurrentLinkedQueue<Double>> ms = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
        int next;

        Load(Daemon d) {
            this.d = d;
            pods = d.rt().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList().stream().map(p -> p.getId()).toList();
            containers = d.rt().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList().stream().map(c -> c.getId()).toList();
            // spread each kind over the cycle, as the relist and stats loops interleave
            for (int i = 0; i < CYCLE; i++) {
                for (var e : MIX.entrySet()) {
                    long before = (long) i * e.getValue() / CYCLE, after = (long) (i + 1) * e.getValue() / CYCLE;
                    if (after > before) {
                        sequence.add(e.getKey());
                    }
                }
            }
            for (String m : MIX.keySet()) {
                ms.put(m, new ConcurrentLinkedQueue<>());
                errors.put(m, new AtomicInteger());
            }
        }

        Supplier<Object> call(String method, int n) {
            var stub = RuntimeServiceGrpc.newBlockingStub(d.channel).withDeadlineAfter(10, TimeUnit.SECONDS);
            return switch (method) {
                case "ListPodSandbox" -> () -> stub.listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
                case "ListContainers" -> () -> stub.listContainers(ListContainersRequest.getDefaultInstance());
                case "PodSandboxStatus" -> () -> stub.podSandboxStatus(PodSandboxStatusRequest.newBuilder()
                        .setPodSandboxId(pods.get(n % pods.size())).build());
                case "ContainerStatus" -> () -> stub.containerStatus(ContainerStatusRequest.newBuilder()
                        .setContainerId(containers.get(n % containers.size())).build());
                case "ListContainerStats" -> () -> stub.listContainerStats(ListContainerStatsRequest.getDefaultInstance());
                case "ListPodSandboxStats" -> () -> stub.listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance());
                default -> throw new IllegalArgumentException(method);
            };
        }

        void run(int rate, int seconds) throws InterruptedException {
            long period = 1_000_000_000L / rate;
            long t0 = System.nanoTime();
            long calls = (long) rate * seconds;
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                for (long k = 0; k < calls; k++) {
                    if (k % 50 == 0 && !d.process.isAlive()) {
                        long down = System.nanoTime();
                        try {
                            d.ensureUp();
                        } catch (Exception e) {
                            throw new IllegalStateException(d.name + " cannot be started again", e);
                        }
                        t0 += System.nanoTime() - down; // the restart is a pause, not a backlog
                    }
                    long at = t0 + k * period;
                    long wait = at - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    String method = sequence.get(next % sequence.size());
                    Supplier<Object> c = call(method, next++);
                    ex.submit(() -> {
                        long s = System.nanoTime();
                        try {
                            c.get();
                            ms.get(method).add((System.nanoTime() - s) / 1e6);
                        } catch (RuntimeException e) {
                            errors.get(method).incrementAndGet();
                        }
                    });
                }
            }
        }

        double p(int p) {
            List<Double> xs = new ArrayList<>();
            ms.values().forEach(xs::addAll);
            return pct(xs, p);
        }

        String cell(String method) {
            List<Double> xs = new ArrayList<>(ms.get(method));
            return "%.1f / %.1f / %.1f; %d; %d".formatted(pct(xs, 50), pct(xs, 99), xs.isEmpty() ? Double.NaN : Collections.max(xs),
                    xs.size(), errors.get(method).get());
        }
    }
}
