package dev.hako.cri;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.CreateContainerResponse;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.cri.v1.RemoveContainerRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxResponse;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.cri.v1.VersionRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.TempDirs;
import dev.hako.testing.fuzz.CriFuzzer;
import dev.hako.testing.fuzz.FuzzClient;
import dev.hako.testing.fuzz.FuzzTally;
import dev.hako.testing.fuzz.FuzzTargets;
import dev.hako.testing.image.Push;
import dev.hako.testing.image.TarBuilder;
import dev.hako.testing.image.TestImage;
import dev.hako.testing.registry.RegistryPusher;
import dev.hako.testing.registry.RegistryServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Item 17 of issue 13: a seeded fuzzer sends 1,000 malformed and hostile requests across every RPC
 * of the CRI's RuntimeService and ImageService to a real daemon (runc, conmon, a CNI bridge, a
 * registry), and every one must get a clean answer: no INTERNAL or UNKNOWN, no request left without
 * an answer for 10 s, the daemon still serving at the end, and no file created outside Hako's own
 * directories (a stand-in host root the requests aim at, /etc, /, the working directory).
 */
class CriFuzzIT {
    private static final long SEED = 13;
    private static final int REQUESTS = 1000;
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final String BRIDGE = "hakofuzz0";
    /** A daemon that stops answering would take 10 s a request: stop early and fail. */
    private static final int MAX_TIMEOUTS = 10;

    private static final class GaveUp extends RuntimeException {}

    @Test
    void everyHostileRequestGetsACleanAnswer() throws Exception {
        Path dir = TempDirs.create("hako-fuzz");
        try (RegistryServer registry = RegistryServer.plain()) {
            RegistryPusher pusher = new RegistryPusher(registry);
            Push.image(pusher, "fuzz/busybox", "1", TestImage.builder().layer(TestImage.busyboxLayer()).build());
            Push.image(pusher, "fuzz/victim", "1", TestImage.builder().layer(new TarBuilder().file("victim", "1")).build());
            String host = registry.host();
            Path hostRoot = Files.createDirectories(dir.resolve("host"));
            Files.createDirectories(hostRoot.resolve("data"));
            Files.writeString(hostRoot.resolve("data/file"), "host data\n");
            Path logRoot = Files.createDirectories(dir.resolve("logs"));
            Files.createDirectories(DaemonProcess.cniConfDir(dir));
            Files.writeString(DaemonProcess.cniConfDir(dir).resolve("10-fuzz.conflist"), """
                    {"cniVersion": "1.0.0", "name": "hakofuzz", "plugins": [
                      {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false,
                       "ipam": {"type": "host-local", "dataDir": "%s",
                                "ranges": [[{"subnet": "10.231.13.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
                      {"type": "portmap", "snat": true, "capabilities": {"portMappings": true}}
                    ]}
                    """.formatted(BRIDGE, dir.resolve("ipam")));
            try (DaemonProcess d = DaemonProcess.withConfig(dir, """
                    [image.registries."%s"]
                    insecure = true
                    [image.registries."docker.io"]
                    mirrors = ["http://127.0.0.1:9"]
                    fallback = false
                    """.formatted(host)).start()) {
                run(d, host, hostRoot, logRoot);
            }
        } finally {
            new ProcessBuilder("ip", "link", "del", BRIDGE).start().waitFor(10, TimeUnit.SECONDS);
            TempDirs.delete(dir);
        }
    }

    private void run(DaemonProcess d, String host, Path hostRoot, Path logRoot) throws Exception {
        String image = host + "/fuzz/busybox:1";
        d.image().withDeadlineAfter(60, TimeUnit.SECONDS).pullImage(PullImageRequest.newBuilder()
                .setImage(ImageSpec.newBuilder().setImage(image)).build());
        FuzzTargets draft = new FuzzTargets("", null, "", image, host + "/fuzz/victim:1", host, hostRoot, logRoot);
        PodSandboxConfig podConfig = new dev.hako.testing.fuzz.CriFuzzer(SEED, draft).fixturePod("fixture");
        String pod = d.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).runPodSandbox(
                RunPodSandboxRequest.newBuilder().setConfig(podConfig).build()).getPodSandboxId();
        ContainerConfig sleeper = ContainerConfig.newBuilder()
                .setMetadata(dev.hako.cri.v1.ContainerMetadata.newBuilder().setName("sleeper"))
                .setImage(ImageSpec.newBuilder().setImage(image))
                .addAllCommand(List.of("/bin/sleep", "3600"))
                .setLogPath("sleeper.log")
                .build();
        String container = d.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).createContainer(
                CreateContainerRequest.newBuilder().setPodSandboxId(pod).setConfig(sleeper).setSandboxConfig(podConfig)
                        .build()).getContainerId();
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(container).build());
        FuzzTargets targets = new FuzzTargets(pod, podConfig, container, image, host + "/fuzz/victim:1", host,
                hostRoot, logRoot);

        List<Path> watchedTrees = List.of(hostRoot, Path.of("/etc"));
        List<Path> watchedDirs = List.of(Path.of("/"), d.dir(), Path.of("").toAbsolutePath(), logRoot.getParent());
        Set<String> before = snapshot(watchedTrees, watchedDirs);

        FuzzClient client = new FuzzClient(d.channel(), DEADLINE);
        FuzzTally tally = new FuzzTally();
        long start = System.nanoTime();
        try {
            new CriFuzzer(SEED, targets).generate(REQUESTS, c -> {
                FuzzClient.Outcome o = client.send(c);
                tally.add(o);
                cleanUp(d, o, sleeper);
                if (tally.timeouts().size() > MAX_TIMEOUTS) {
                    throw new GaveUp();
                }
            });
        } catch (GaveUp e) {
            System.out.println("CRI fuzz: stopped after " + MAX_TIMEOUTS + " timeouts: the daemon is stuck");
        }
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;

        Set<String> after = snapshot(watchedTrees, watchedDirs);
        after.removeIf(p -> p.startsWith(logRoot + "/") && logRoot.equals(Path.of(p).getParent()));
        after.removeIf(p -> Path.of(p).getParent() != null && Path.of(p).getParent().equals(d.dir())
                && Path.of(p).getFileName().toString().startsWith("daemon-"));
        Set<String> created = new TreeSet<>(after);
        created.removeAll(before);
        removeEscapes(created);

        System.out.println("CRI fuzz (seed " + SEED + ", " + REQUESTS + " requests, " + seconds + " s): " + tally.figure());
        System.out.print(tally.details());
        tally.unclean().forEach(o -> System.out.println("  UNCLEAN " + FuzzTally.describe(o)));
        tally.timeouts().forEach(o -> System.out.println("  TIMEOUT " + FuzzTally.describe(o)));

        assertThat(d.process().isAlive()).as("daemon alive after the fuzz run").isTrue();
        assertThat(d.runtime().withDeadlineAfter(5, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance())
                .getRuntimeName()).isNotEmpty();
        assertThat(created).as("files created outside Hako's directories").isEmpty();
        assertThat(tally.unclean().stream().map(FuzzTally::describe).toList())
                .as("requests answered INTERNAL/UNKNOWN").isEmpty();
        assertThat(tally.timeouts().stream().map(FuzzTally::describe).toList())
                .as("requests without an answer within " + DEADLINE.toSeconds() + " s").isEmpty();
    }

    /**
     * Pods and containers a request managed to create go at once: the run stays small and fast. A pod
     * first gets a container, so that its log directory (hostile, perhaps) is used.
     */
    private static void cleanUp(DaemonProcess d, FuzzClient.Outcome o, ContainerConfig probe) {
        if (o.response() == null) {
            return;
        }
        try {
            switch (o.request().rpc()) {
                case "RunPodSandbox" -> {
                    String pod = RunPodSandboxResponse.parseFrom(o.response()).getPodSandboxId();
                    try {
                        d.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).createContainer(CreateContainerRequest
                                .newBuilder().setPodSandboxId(pod).setConfig(probe).build());
                    } catch (io.grpc.StatusRuntimeException refused) {
                        // the pod's config may keep containers out; where a log would go is what counts here
                    }
                    d.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).removePodSandbox(
                            RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
                }
                case "CreateContainer" -> d.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).removeContainer(
                        RemoveContainerRequest.newBuilder().setContainerId(
                                CreateContainerResponse.parseFrom(o.response()).getContainerId()).build());
                default -> { }
            }
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(o.request() + ": undecodable response", e);
        }
    }

    /**
     * A failing run must not litter the host: what the requests made outside (paths carrying the
     * fuzzer's mark, and new directories left empty by their removal) goes, deepest first.
     */
    private static void removeEscapes(Set<String> created) {
        for (String p : new TreeSet<>(created).descendingSet()) {
            Path path = Path.of(p);
            try {
                if (p.contains("hako-fuzz-")) {
                    dev.hako.sys.FileTrees.delete(path);
                } else if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    try (Stream<Path> s = Files.list(path)) {
                        for (Path child : s.filter(c -> c.getFileName().toString().startsWith("hako-fuzz-")).toList()) {
                            dev.hako.sys.FileTrees.delete(child);
                        }
                    }
                    try (Stream<Path> s = Files.list(path)) {
                        if (s.findAny().isEmpty()) {
                            Files.delete(path);
                        }
                    }
                }
            } catch (IOException e) {
                System.out.println("CRI fuzz: cannot remove " + p + ": " + e);
            }
        }
    }

    /** Every path under {@code trees} and directly in {@code dirs}. */
    private static Set<String> snapshot(List<Path> trees, List<Path> dirs) {
        Set<String> out = new TreeSet<>();
        for (Path tree : trees) {
            try (Stream<Path> s = Files.walk(tree)) {
                s.forEach(p -> out.add(p.toString()));
            } catch (NoSuchFileException gone) {
                // nothing there
            } catch (IOException | UncheckedIOException e) {
                throw new IllegalStateException("cannot list " + tree, e);
            }
        }
        for (Path dir : dirs) {
            try (Stream<Path> s = Files.list(dir)) {
                s.forEach(p -> out.add(p.toString()));
            } catch (IOException e) {
                throw new IllegalStateException("cannot list " + dir, e);
            }
        }
        return out;
    }
}
