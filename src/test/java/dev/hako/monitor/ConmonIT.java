package dev.hako.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hako.config.HandlerConfig;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.error.HakoException;
import dev.hako.oci.OciRuntime;
import dev.hako.spec.PodContext;
import dev.hako.oci.ExecProcess;
import dev.hako.oci.TestBundles;
import dev.hako.testing.TempDirs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real containers: busybox in a throw-away rootfs, created by conmon 2.1.6 running runc 1.1.5, with
 * the host's network, IPC and UTS namespaces and its own PID and mount namespaces, in cgroupfs
 * {@code /hako/hako-<id>}. Needs root, runc and conmon.
 */
class ConmonIT {
    private Path dir;
    private Path state;
    private HandlerConfig handler;
    private OciRuntime runtime;
    private Conmon conmon;
    private final List<String> created = new ArrayList<>();
    private int seq;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(Files.isExecutable(TestBundles.RUNC) && Files.isExecutable(TestBundles.CONMON),
                "needs runc and conmon");
        dir = TempDirs.create("hako-mon-");
        state = Files.createDirectories(dir.resolve("state"));
        handler = new HandlerConfig("runc", TestBundles.RUNC, dir.resolve("runc"), List.of());
        runtime = new OciRuntime(handler, false);
        conmon = new Conmon(TestBundles.CONMON, state);
    }

    @AfterEach
    void tearDown() {
        if (conmon != null) {
            conmon.close();
        }
        for (String id : created) {
            try {
                runtime.delete(id, true);
            } catch (RuntimeException e) {
                // report nothing: the test result matters more
            }
            conmon.forget(id);
        }
        TempDirs.delete(dir);
    }

    @Test
    void exitCodeAndCriLogLines() throws Exception {
        Set<String> exited = ConcurrentHashMap.newKeySet();
        conmon.watchExits(exited::add);
        Ctr c = create(TestBundles.command("echoer", "sh", "-c", "echo hello; echo err >&2; exit 3"), false);
        assertThat(c.pid).isPositive();
        assertThat(runtime.state(c.id)).get().extracting(OciRuntime.State::status).isEqualTo("created");
        Instant before = Instant.now().minusSeconds(1);

        runtime.start(c.id);
        Conmon.Exit exit = awaitExit(c.id);
        assertThat(exit.code()).isEqualTo(3);
        assertThat(exit.oomKilled()).isFalse();
        assertThat(exit.at()).isAfter(before);
        await(() -> exited.contains(c.id), "exit watcher saw " + c.id);

        List<String> lines = Files.readAllLines(c.log);
        assertThat(lines).anyMatch(l -> l.matches("\\S+ stdout F hello"));
        assertThat(lines).anyMatch(l -> l.matches("\\S+ stderr F err"));
        for (String l : lines) {
            OffsetDateTime.parse(l.substring(0, l.indexOf(' '))); // RFC 3339 with nanoseconds
        }
        assertThat(runtime.state(c.id)).get().extracting(OciRuntime.State::status).isEqualTo("stopped");
    }

    @Test
    void execSyncSeparatesStreamsAndReportsTheExitCode() throws Exception {
        Ctr c = createStarted(TestBundles.command("sleeper", "sleep", "1000"), false);
        Conmon.ExecResult hi = conmon.execSync(c.id, c.bundle, handler,
                ExecProcess.of(c.spec, List.of("echo", "hi"), false), Duration.ofSeconds(10));
        assertThat(hi.exitCode()).isZero();
        assertThat(new String(hi.stdout(), StandardCharsets.UTF_8)).isEqualTo("hi\n");
        assertThat(hi.stderr()).isEmpty();

        Conmon.ExecResult mixed = conmon.execSync(c.id, c.bundle, handler, ExecProcess.of(c.spec,
                List.of("sh", "-c", "echo out; printf 'no newline'; echo bad >&2; exit 7"), false), Duration.ofSeconds(10));
        assertThat(mixed.exitCode()).isEqualTo(7);
        assertThat(new String(mixed.stdout(), StandardCharsets.UTF_8)).isEqualTo("out\nno newline");
        assertThat(new String(mixed.stderr(), StandardCharsets.UTF_8)).isEqualTo("bad\n");

        assertThatThrownBy(() -> conmon.execSync(c.id, c.bundle, handler,
                ExecProcess.of(c.spec, List.of("/nope"), false), Duration.ofSeconds(10)))
                .isInstanceOf(HakoException.class)
                .hasMessageContaining("exec: \"/nope\": stat /nope: no such file or directory");
        assertThat(runtime.state(c.id)).get().extracting(OciRuntime.State::status).isEqualTo("running");
        assertThat(Files.list(state.resolve("exec")).toList()).isEmpty(); // temp dirs are removed
    }

    @Test
    void execSyncTimeoutKillsTheProcessAndWhatItStarted() throws Exception {
        Ctr c = createStarted(TestBundles.command("sleeper", "sleep", "1000"), false);
        String marker = "sleep 10" + (1000 + seq); // unique, so leftovers of other tests cannot interfere
        String child = "sleep 20" + (1000 + seq);
        String detached = "sleep 30" + (1000 + seq);
        long t0 = System.nanoTime();
        // a child in the background, a grandchild in its own session (setsid), then the command itself
        Conmon.ExecResult r = conmon.execSync(c.id, c.bundle, handler, ExecProcess.of(c.spec,
                List.of("sh", "-c", "echo started; " + child + " & setsid sh -c '" + detached + "' & exec " + marker),
                false), Duration.ofSeconds(1));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.exitCode()).isEqualTo(-1);
        assertThat(r.timedOut()).isTrue();
        assertThat(ms).isLessThan(8000);
        assertThat(new String(r.stdout(), StandardCharsets.UTF_8)).isEqualTo("started\n");
        // gone when the call returns, not some time later (zombies left to the container's init do not count)
        assertThat(liveProcessesMatching(marker)).isEmpty();
        assertThat(liveProcessesMatching(child)).isEmpty();
        assertThat(liveProcessesMatching(detached)).isEmpty();
        assertThat(runtime.state(c.id)).get().extracting(OciRuntime.State::status).isEqualTo("running");
    }

    /**
     * Many timed-out execs at once leave neither processes nor zombies behind: 100 by default (they
     * run in parallel, about 8 s); {@code -Dhako.test.timedOutExecs=N} to change it.
     */
    @Test
    void manyTimedOutExecsLeaveNoZombies() throws Exception {
        int n = Integer.getInteger("hako.test.timedOutExecs", 100);
        Ctr c = createStarted(TestBundles.command("sleeper", "sleep", "1000"), false);
        int zombiesBefore = sleepZombies();
        String marker = "sleep 2" + (1000 + seq);
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(n, 20));
        try {
            List<Future<Conmon.ExecResult>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> conmon.execSync(c.id, c.bundle, handler,
                        ExecProcess.of(c.spec, List.of("sh", "-c", "exec " + marker), false),
                        Duration.ofSeconds(1))));
            }
            for (Future<Conmon.ExecResult> f : results) {
                assertThat(f.get(60, TimeUnit.SECONDS).timedOut()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
        await(() -> processesMatching(marker).isEmpty(), "no " + marker + " left");
        // Hako reaps its own children (conmon --sync); the exec'd processes are conmon's to reap, and
        // what conmon leaves goes to init. Other tests on the machine may make zombies of their own,
        // hence the count of sleep zombies rather than all of them.
        assertThat(zombieChildrenOfThisJvm()).isEmpty();
        await(() -> sleepZombies() <= zombiesBefore, "sleep zombies: before " + zombiesBefore + ", now " + sleepZombies());
        assertThat(runtime.state(c.id)).get().extracting(OciRuntime.State::status).isEqualTo("running");
    }

    @Test
    void sigtermGives143() throws Exception {
        // host PID namespace: sleep is not a namespace init, so SIGTERM's default action kills it
        Ctr c = createStarted(TestBundles.command("sleeper", "sleep", "1000"), true);
        runtime.kill(c.id, 15, false);
        assertThat(awaitExit(c.id).code()).isEqualTo(143);

        // own PID namespace: its init only dies of signals it handles
        Ctr d = createStarted(TestBundles.command("trapper", "sh", "-c",
                "trap 'exit 143' TERM; echo ready; while :; do sleep 1; done"), false);
        await(() -> logContains(d.log, "stdout F ready"), "trap installed");
        runtime.kill(d.id, 15, false);
        assertThat(awaitExit(d.id).code()).isEqualTo(143);
    }

    @Test
    void reopenLogAfterRotation() throws Exception {
        Ctr c = createStarted(TestBundles.command("ticker", "sh", "-c", "while :; do echo tick; sleep 1; done"), false);
        await(() -> logContains(c.log, "stdout F tick"), "first tick");
        Path rotated = c.log.resolveSibling("0.log.1");
        Files.move(c.log, rotated);
        conmon.reopenLog(c.bundle, c.log);
        assertThat(c.log).exists();
        await(() -> logContains(c.log, "stdout F tick"), "tick in the new file");

        runtime.kill(c.id, 9, false);
        awaitExit(c.id);
        await(() -> !monitorAlive(c.bundle), "conmon gone");
        Files.move(c.log, c.log.resolveSibling("0.log.2"));
        assertThatThrownBy(() -> conmon.reopenLog(c.bundle, c.log))
                .isInstanceOfSatisfying(HakoException.class,
                        e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.FAILED_PRECONDITION));
        assertThat(c.log).doesNotExist(); // never created by Hako
    }

    @Test
    void missingCommandSurfacesTheRuntimeMessage() throws Exception {
        String expected = "exec: \"/nope\": stat /nope: no such file or directory";
        String id = nextId();
        Path bundle = dir.resolve("b-" + id);
        Path rootfs = TestBundles.rootfs(Files.createDirectories(bundle.resolve("rootfs")));
        TestBundles.writeBundle(bundle, id, TestBundles.command("bad", "/nope"), TestBundles.hostPod("pod", false), rootfs);
        Path log = Files.createDirectories(dir.resolve("logs-" + id)).resolve("0.log");
        created.add(id);
        try {
            conmon.create(request(id, bundle, log));
            runtime.start(id);
            fail("neither create nor start failed");
        } catch (HakoException e) {
            assertThat(e.getMessage()).contains(expected);
        }
    }

    @Test
    void ttyContainerLogsThroughTheConsole() throws Exception {
        ContainerConfig cfg = TestBundles.command("tty", "sh", "-c", "echo on-a-tty; exit 0").toBuilder()
                .setTty(true).build();
        String id = nextId();
        Path bundle = dir.resolve("b-" + id);
        Path rootfs = TestBundles.rootfs(Files.createDirectories(bundle.resolve("rootfs")));
        TestBundles.writeBundle(bundle, id, cfg, TestBundles.hostPod("pod", false), rootfs);
        Path log = Files.createDirectories(dir.resolve("logs-" + id)).resolve("0.log");
        created.add(id);
        int pid = conmon.create(new Conmon.CreateRequest(id, "tty", bundle, runtime, log, true, false, false,
                Duration.ofSeconds(60)));
        assertThat(pid).isPositive();
        runtime.start(id);
        assertThat(awaitExit(id).code()).isZero();
        await(() -> logContains(log, "stdout F on-a-tty"), "tty output in the log");
    }

    @Test
    void oomKillIsReported() throws Exception {
        // the shell keeps all of /dev/urandom in a variable until the 16 MiB limit stops it
        ContainerConfig cfg = TestBundles.command("hog", "sh", "-c", "x=$(cat /dev/urandom)").toBuilder()
                .setLinux(LinuxContainerConfig.newBuilder().setResources(
                        LinuxContainerResources.newBuilder().setMemoryLimitInBytes(16L << 20)))
                .build();
        Ctr c = createStarted(cfg, false);
        Conmon.Exit exit = awaitExit(c.id);
        assertThat(exit.code()).isEqualTo(137);
        assertThat(exit.oomKilled()).isTrue();
    }

    @Test
    void conmonErrorsBeforeTheContainerAreReported() throws Exception {
        String id = nextId();
        Path bundle = dir.resolve("b-" + id);
        Path rootfs = TestBundles.rootfs(Files.createDirectories(bundle.resolve("rootfs")));
        TestBundles.writeBundle(bundle, id, TestBundles.command("c", "true"), TestBundles.hostPod("pod", false), rootfs);
        created.add(id);
        assertThatThrownBy(() -> conmon.create(request(id, bundle, dir.resolve("missing-dir/0.log"))))
                .isInstanceOf(HakoException.class)
                .hasMessageContaining("Failed to open log file");
        assertThat(runtime.state(id)).isEmpty();
    }

    @Test
    void runtimeStateOfUnknownContainers() {
        assertThat(runtime.state("hako-no-such")).isEmpty();
        runtime.delete("hako-no-such", true); // tolerated
        runtime.delete("hako-no-such", false);
        assertThatThrownBy(() -> runtime.kill("hako-no-such", 15, false))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.NOT_FOUND))
                .hasMessageContaining("container does not exist");
        assertThatThrownBy(() -> runtime.start("hako-no-such"))
                .isInstanceOf(HakoException.class).hasMessageContaining("does not exist");
        assertThat(conmon.exit("hako-no-such")).isEmpty();
    }

    @Test
    void deleteRemovesARunningContainer() throws Exception {
        Ctr c = createStarted(TestBundles.command("sleeper", "sleep", "1000"), false);
        assertThat(runtime.state(c.id)).get().satisfies(s -> {
            assertThat(s.status()).isEqualTo("running");
            assertThat(s.pid()).isEqualTo(c.pid);
        });
        runtime.delete(c.id, true);
        assertThat(runtime.state(c.id)).isEmpty();
        assertThat(awaitExit(c.id).code()).isEqualTo(137);
    }

    // ---- helpers ------------------------------------------------------------------------------

    private record Ctr(String id, Path bundle, Path log, Map<String, Object> spec, int pid) {}

    private String nextId() {
        return "hakotest" + ProcessHandle.current().pid() + "x" + (++seq);
    }

    private Ctr create(ContainerConfig config, boolean hostPid) throws IOException {
        String id = nextId();
        Path bundle = dir.resolve("b-" + id);
        Path rootfs = TestBundles.rootfs(Files.createDirectories(bundle.resolve("rootfs")));
        PodContext pod = TestBundles.hostPod("pod", hostPid);
        Map<String, Object> spec = TestBundles.writeBundle(bundle, id, config, pod, rootfs);
        Path log = Files.createDirectories(dir.resolve("logs-" + id)).resolve("0.log");
        created.add(id);
        int pid = conmon.create(request(id, bundle, log));
        return new Ctr(id, bundle, log, spec, pid);
    }

    private Conmon.CreateRequest request(String id, Path bundle, Path log) {
        return new Conmon.CreateRequest(id, "ctr-" + id, bundle, runtime, log, false, false, false,
                Duration.ofSeconds(60));
    }

    private Ctr createStarted(ContainerConfig config, boolean hostPid) throws IOException {
        Ctr c = create(config, hostPid);
        runtime.start(c.id);
        return c;
    }

    private Conmon.Exit awaitExit(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Optional<Conmon.Exit> e = conmon.exit(id);
            if (e.isPresent()) {
                return e.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no exit file for " + id);
    }

    private static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (cond.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out waiting for: " + what);
    }

    private static boolean logContains(Path log, String text) {
        try {
            return Files.exists(log) && Files.readString(log).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean monitorAlive(Path bundle) {
        try {
            long pid = Long.parseLong(Files.readString(bundle.resolve("conmon.pid")).strip());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                    && !Files.readString(Path.of("/proc/" + pid + "/stat")).contains(") Z ");
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }

    /** Command lines (from ps) containing {@code text}. */
    private static List<String> processesMatching(String text) {
        return ps().stream().filter(l -> l.contains(text)).toList();
    }

    private static List<String> liveProcessesMatching(String text) {
        return processesMatching(text).stream().filter(l -> !l.strip().startsWith("Z")).toList();
    }

    private static int sleepZombies() {
        return (int) ps().stream().filter(l -> l.strip().startsWith("Z") && l.contains("[sleep]")).count();
    }

    private static List<String> zombieChildrenOfThisJvm() {
        String me = Long.toString(ProcessHandle.current().pid());
        List<String> out = new ArrayList<>();
        try {
            Process p = new ProcessBuilder("ps", "-eo", "ppid=,stat=,args=").redirectErrorStream(true).start();
            for (String l : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
                String[] f = l.strip().split("\\s+", 3);
                if (f.length >= 2 && f[0].equals(me) && f[1].startsWith("Z")) {
                    out.add(l);
                }
            }
            p.waitFor();
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return out;
    }

    private static List<String> ps() {
        try {
            Process p = new ProcessBuilder("ps", "-eo", "stat,args").redirectErrorStream(true).start();
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            p.waitFor();
            return lines;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
