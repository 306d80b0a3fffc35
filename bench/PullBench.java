import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.cri.v1.RemoveImageRequest;
import dev.hako.image.spec.Digest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.image.Push;
import dev.hako.testing.image.TarBuilder;
import dev.hako.testing.image.TestImage;
import dev.hako.testing.registry.RegistryPusher;
import dev.hako.testing.registry.RegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * Pull throughput: a 5-layer image of ~100 MB of incompressible data (gzip) in a local
 * docker-registry, pulled by the daemon (started through bin/hako) into an empty root, RUNS times.
 * Between runs the image is removed, which leaves the root's content store and layer store empty
 * again (checked). The first pull of a freshly started daemon is reported separately ("cold": JIT
 * not warmed, registry scheme not yet probed). Then the baseline: a single-stream
 * `curl | tar -xz` of the same layers, one after another, into an empty directory.
 * Usage: java -cp <test classpath> bench/PullBench.java RUNS
 */
public class PullBench {
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        TestImage image = randomImage(42);
        long bytes = image.layerBlobs.stream().mapToLong(x -> x.length).sum() + image.config.length;
        try (RegistryServer registry = RegistryServer.plain()) {
            Push.image(new RegistryPusher(registry), "bench/random", "1", image);
            String ref = registry.host() + "/bench/random:1";
            List<Double> hako = new ArrayList<>();
            try (DaemonProcess d = DaemonProcess.withConfig("""
                    [image.registries."%s"]
                    insecure = true
                    """.formatted(registry.host())).startWith(Path.of("bin/hako").toAbsolutePath())) {
                for (int run = 0; run <= runs; run++) {
                    requireEmpty(d.root());
                    long cpu0 = cpuTicks(d.process().pid());
                    long t0 = System.nanoTime();
                    d.image().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
                    double s = (System.nanoTime() - t0) / 1e9;
                    double cpu = (cpuTicks(d.process().pid()) - cpu0) / 100.0;
                    System.out.printf("hako pull  %s: %.2f s  %6.1f MB/s  (daemon CPU %.2f s)%n",
                            run == 0 ? "cold " : "run " + run, s, bytes / 1e6 / s, cpu);
                    if (run > 0) {
                        hako.add(s);
                    }
                    d.image().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
                }
                if (System.getenv("PULL_BENCH_LOG") != null) {
                    d.log().lines().filter(l -> l.contains("component=image")).forEach(System.out::println);
                }
            }
            List<Double> baseline = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                Path dir = Files.createTempDirectory(Path.of("/tmp"), "hako-bench-baseline");
                StringBuilder script = new StringBuilder("set -e\n");
                for (byte[] blob : image.layerBlobs) {
                    script.append("curl -sf ").append(registry.baseUri()).append("/v2/bench/random/blobs/")
                            .append(Digest.sha256(blob)).append(" | tar -xzf - -C ").append(dir).append('\n');
                }
                long t0 = System.nanoTime();
                Process p = new ProcessBuilder("bash", "-c", script.toString()).inheritIO().start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("baseline failed");
                }
                double s = (System.nanoTime() - t0) / 1e9;
                baseline.add(s);
                System.out.printf("curl|tar   run %d: %.2f s  %6.1f MB/s%n", run, s, bytes / 1e6 / s);
                new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
            }
            System.out.printf("%.0f MB in 5 layers, median of %d runs: hako %.2f s (%.1f MB/s); single-stream curl|tar %.2f s (%.1f MB/s)%n",
                    bytes / 1e6, runs, median(hako), bytes / 1e6 / median(hako), median(baseline), bytes / 1e6 / median(baseline));
        }
    }

    static TestImage randomImage(long seed) {
        Random random = new Random(seed);
        TestImage.Builder b = TestImage.builder();
        for (int i = 0; i < 5; i++) {
            byte[] data = new byte[20 * 1000 * 1000];
            random.nextBytes(data);
            b.layer(new TarBuilder().file("layer" + i + "/data.bin", data, 0644));
        }
        return b.build();
    }

    /** The run starts from nothing: no blob, no unpacked layer. */
    static void requireEmpty(Path root) throws IOException {
        for (String dir : List.of("content/blobs/sha256", "snapshots/layers")) {
            Path p = root.resolve(dir);
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    if (s.findAny().isPresent()) {
                        throw new IllegalStateException(p + " is not empty");
                    }
                }
            }
        }
    }

    /** utime + stime of a process, in clock ticks (100 per second on Linux). */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
