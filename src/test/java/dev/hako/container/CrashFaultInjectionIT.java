package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ContainerStatusRequest;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.ImageStatusRequest;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.ListImagesRequest;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.NamespaceMode;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxState;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.PortMapping;
import dev.hako.cri.v1.Protocol;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.cri.v1.RemoveContainerRequest;
import dev.hako.cri.v1.RemoveImageRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.HostState;
import dev.hako.testing.PodFixture;
import dev.hako.testing.TempDirs;
import dev.hako.testing.image.Push;
import dev.hako.testing.image.TarBuilder;
import dev.hako.testing.image.TestImage;
import dev.hako.testing.registry.RegistryPusher;
import dev.hako.testing.registry.RegistryServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * kill -9 of the daemon at each named step of RunPodSandbox, CreateContainer and PullImage (through
 * {@link dev.hako.FaultPoints}), then a restart: nothing is listed that is not whole, everything listed can
 * be removed, and then nothing is left that no record owns — no runtime container, no conmon, no mount
 * (rootfs, shm, netns pins), no IP lease, no portmap rule, no directory, no intent row, no stray blob or layer.
 */
class CrashFaultInjectionIT {
    private static final String BRIDGE = "hakocrash0";
    private static final String NETWORK = "hakocrash";
    private static final String SUBNET = "10.231.7.";
    private static final String PULLED = "test/crash";
    private static RegistryServer registry;

    @BeforeAll
    static void setUp() throws Exception {
        registry = RegistryServer.plain();
        TestImage image = TestImage.builder()
                .layer(TestImage.busyboxLayer().file("crash-marker", "1"))
                .layer(new TarBuilder().file("second-layer", "2"))
                .build();
        Push.image(new RegistryPusher(registry), PULLED, "1", image);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (registry != null) {
            registry.close();
        }
        new ProcessBuilder("ip", "link", "del", BRIDGE).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pod-netns-pinned", "cni-add-plugin", "pod-cni-added", "pod-infra-started",
            "container-lease-taken", "container-rootfs-mounted", "container-created",
            "pull-mid-layer", "pull-before-record"})
    void aKillAtThisStepLeavesNothingHalfListedAndNothingBehind(String step) throws Exception {
        Path dir = TempDirs.create("hako-crash");
        Path faults = dir.resolve("faults");
        DaemonProcess d = DaemonProcess.withConfig(dir, """
                [image.registries."%s"]
                insecure = true
                """.formatted(registry.host()));
        Files.writeString(DaemonProcess.cniConfDir(dir).resolve("10-crash.conflist"), """
                {"cniVersion": "1.0.0", "name": "%s", "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                   "ipam": {"type": "host-local", "dataDir": "%s",
                            "ranges": [[{"subnet": "10.231.7.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
                  {"type": "portmap", "capabilities": {"portMappings": true}}
                ]}
                """.formatted(NETWORK, BRIDGE, dir.resolve("ipam")));
        d.environment(Map.of("HAKO_FAULT_STEP", step, "HAKO_FAULT_DIR", faults.toString()));
        try {
            d.start();
            PodFixture.importImage(d, TestImage.builder().layer(TestImage.busyboxLayer()).build(), PodFixture.IMAGE);
            Set<String> storeBefore = storeEntries(dir);
            String pod = step.startsWith("container-") ? d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder()
                    .setConfig(podConfig(d, "crash-host")).build()).getPodSandboxId() : null;

            AtomicReference<Throwable> callFailed = new AtomicReference<>();
            Thread call = Thread.ofVirtual().start(() -> {
                try {
                    trigger(d, step, pod);
                } catch (Throwable t) {
                    callFailed.set(t);
                }
            });
            awaitStep(faults.resolve(step + ".reached"), call, callFailed);
            d.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS); // kill -9 at the step
            call.join(30_000);

            d.environment(Map.of());
            d.start();
            try {
                afterRestart(d, dir, step, pod, storeBefore);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError(step + ": " + e.getMessage() + "\n--- daemon log after the restart:\n" + d.log(), e);
            }
        } finally {
            if (d.process() != null && d.process().isAlive()) {
                d.environment(Map.of());
                d.close();
            } else {
                TempDirs.delete(dir);
            }
        }
    }

    private static void afterRestart(DaemonProcess d, Path dir, String step, String pod, Set<String> storeBefore)
            throws Exception {
        assertEverythingListedIsWhole(d);
        // what was cut short can be done again: the name or the reference is not held by a leftover
        redo(d, step, pod);
        removeEverything(d);
        if (step.startsWith("pull-")) {
            awaitStoreBack(dir, storeBefore);
        }
        assertNothingLeft(d, dir);
        d.stop();
        assertThat(rows(dir, "pods") + rows(dir, "containers")).as("rows (intents included) left in the database")
                .isZero();
    }

    private static PodSandboxConfig podConfig(DaemonProcess d, String name) {
        PodSandboxConfig.Builder b = PodFixture.podConfig(d, name).toBuilder()
                .addPortMappings(PortMapping.newBuilder().setProtocol(Protocol.TCP).setContainerPort(80)
                        .setHostPort(18097).setHostIp("127.0.0.1"));
        // a shared PID namespace gives the pod an infra container
        b.getLinuxBuilder().getSecurityContextBuilder().getNamespaceOptionsBuilder().setPid(NamespaceMode.POD);
        return b.build();
    }

    private static void trigger(DaemonProcess d, String step, String pod) {
        if (step.startsWith("container-")) {
            PodFixture.create(d, pod, PodFixture.container("victim", "sleep 1000"));
        } else if (step.startsWith("pull-")) {
            d.image().pullImage(PullImageRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(registry.host() + "/" + PULLED + ":1")).build());
        } else {
            d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(podConfig(d, "victim")).build());
        }
    }

    private static void redo(DaemonProcess d, String step, String pod) {
        if (step.startsWith("container-")) {
            String id = PodFixture.start(d, pod, PodFixture.container("victim", "sleep 1000"));
            assertThat(PodFixture.status(d, id).getState()).isEqualTo(dev.hako.cri.v1.ContainerState.CONTAINER_RUNNING);
        } else if (step.startsWith("pull-")) {
            trigger(d, step, pod);
        } else {
            String id = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(podConfig(d, "victim"))
                    .build()).getPodSandboxId();
            assertThat(d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build())
                    .getStatus().getNetwork().getIp()).startsWith(SUBNET);
        }
    }

    private static void awaitStep(Path marker, Thread call, AtomicReference<Throwable> callFailed)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(marker)) {
            if (!call.isAlive()) {
                throw new AssertionError("the call ended before reaching " + marker.getFileName(), callFailed.get());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the daemon did not reach " + marker.getFileName() + " within 120 s");
            }
            Thread.sleep(20);
        }
    }

    /** Every listed object answers its status call and is in a finished state. */
    private static void assertEverythingListedIsWhole(DaemonProcess d) {
        for (var p : d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            var s = d.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(p.getId()).build())
                    .getStatus();
            assertThat(s.getState()).isIn(PodSandboxState.SANDBOX_READY, PodSandboxState.SANDBOX_NOTREADY);
            assertThat(s.getMetadata().getName()).as("only the pod made before the crash is listed").isEqualTo("crash-host");
        }
        for (var c : d.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
            throw new AssertionError("a container listed after a crash during its creation: " + c.getId() + " "
                    + d.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(c.getId()).build()));
        }
        for (var i : d.image().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()) {
            assertThat(d.image().imageStatus(ImageStatusRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(i.getId())).build()).hasImage()).isTrue();
        }
    }

    private static void removeEverything(DaemonProcess d) {
        for (var c : d.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
            d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(c.getId()).build());
        }
        for (var p : d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
        }
        for (var i : d.image().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()) {
            if (i.getRepoTagsList().stream().anyMatch(t -> t.contains(PULLED))) {
                d.image().removeImage(RemoveImageRequest.newBuilder()
                        .setImage(ImageSpec.newBuilder().setImage(i.getId())).build());
            }
        }
    }

    private static void assertNothingLeft(DaemonProcess d, Path dir) throws Exception {
        assertThat(command("runc", "--root", dir.resolve("run/runc").toString(), "list", "-q").strip())
                .as("runc containers").isEmpty();
        assertThat(monitorsUnder(dir)).as("conmon processes").isEmpty();
        assertThat(HostState.mountsUnder(dir)).as("mounts (rootfs, shm, netns pins)").isEmpty();
        assertThat(files(dir.resolve("ipam").resolve(NETWORK)).stream().filter(n -> n.startsWith(SUBNET)).toList())
                .as("IP leases").isEmpty();
        assertThat(HostState.iptablesRules(l -> l.contains(NETWORK))).as("portmap rules").isEmpty();
        for (String owned : List.of("run/containers", "root/containers", "run/pods", "run/cni", "run/runc")) {
            assertThat(files(dir.resolve(owned))).as("entries of " + owned).isEmpty();
        }
        assertThat(files(dir.resolve("root/content/ingest"))).as("partial downloads").isEmpty();
        assertThat(files(dir.resolve("root/snapshots/tmp"))).as("partial layers").isEmpty();
    }

    /** Blobs and unpacked layers, by name. */
    private static Set<String> storeEntries(Path dir) throws IOException {
        Set<String> out = new TreeSet<>();
        files(dir.resolve("root/content/blobs/sha256")).forEach(n -> out.add("blob " + n));
        files(dir.resolve("root/snapshots/layers")).forEach(n -> out.add("layer " + n));
        return out;
    }

    /** Waits (bounded) until the store holds again exactly what it held before the pull: collection runs in the background. */
    private static void awaitStoreBack(Path dir, Set<String> before) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!storeEntries(dir).equals(before) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(storeEntries(dir)).as("blobs and layers no image owns").isEqualTo(before);
    }

    private static List<String> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** conmon processes (or the shell starting one) whose command line names a path under {@code dir}. */
    private static List<String> monitorsUnder(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String cmdline;
                try {
                    cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                } catch (IOException gone) {
                    continue;
                }
                if (cmdline.contains("conmon") && cmdline.contains(" -b " + dir)) {
                    out.add(p.getFileName() + ": " + cmdline);
                }
            }
        }
        return out;
    }

    private static int rows(Path dir, String table) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("root/hako.db"));
             Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + table)) {
            return rs.next() ? rs.getInt(1) : -1;
        }
    }

    private static String command(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }
}
