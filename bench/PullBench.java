import dev.hako.cri.v1.ImageServiceGrpc;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.image.Push;
import dev.hako.testing.image.TarBuilder;
import dev.hako.testing.image.TestImage;
import dev.hako.testing.registry.RegistryPusher;
import dev.hako.testing.registry.RegistryServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Pull throughput: a 5-layer image of ~100 MB of incompressible data (gzip) in a local
 * docker-registry, pulled by the real daemon into an empty root, RUNS times; then the baseline,
 * a single-stream `curl | tar -xz` of the same layers one after another into an empty directory.
 * Usage: java -cp <test classpath> bench/PullBench.java RUNS
 */
public class PullBench {
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Random random = new Random(42);
        TestImage.Builder b = TestImage.builder();
        for (int i = 0; i < 5; i++) {
            byte[] data = new byte[20 * 1000 * 1000];
            random.nextBytes(data);
            b.layer(new TarBuilder().file("layer" + i + "/data.bin", data, 0644));
        }
        TestImage image = b.build();
        long bytes = image.layerBlobs.stream().mapToLong(x -> x.length).sum() + image.config.length;
        try (RegistryServer registry = RegistryServer.plain()) {
            Push.image(new RegistryPusher(registry), "bench/random", "1", image);
            String ref = registry.host() + "/bench/random:1";
            List<Double> hako = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                // the production launcher (bin/hako: its JVM flags and AOT cache), on an empty root
                try (DaemonProcess d = DaemonProcess.withConfig("""
                        log_level = "info"
                        [image.registries."%s"]
                        insecure = true
                        """.formatted(registry.host())).startWith(Path.of("bin/hako").toAbsolutePath())) {
                    long t0 = System.nanoTime();
                    d.image().pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
                    double s = (System.nanoTime() - t0) / 1e9;
                    hako.add(s);
                    System.out.printf("hako pull  run %d: %.2f s  %.1f MB/s%n", run, s, bytes / 1e6 / s);
                }
            }
            List<Double> baseline = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                Path dir = Files.createTempDirectory(Path.of("/tmp"), "hako-bench-baseline");
                StringBuilder script = new StringBuilder("set -e\n");
                for (byte[] blob : image.layerBlobs) {
                    script.append("curl -sf ").append(registry.baseUri()).append("/v2/bench/random/blobs/")
                            .append(dev.hako.image.Digest.sha256(blob)).append(" | tar -xzf - -C ").append(dir).append('\n');
                }
                long t0 = System.nanoTime();
                Process p = new ProcessBuilder("bash", "-c", script.toString()).inheritIO().start();
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("baseline failed");
                }
                double s = (System.nanoTime() - t0) / 1e9;
                baseline.add(s);
                System.out.printf("baseline   run %d: %.2f s  %.1f MB/s%n", run, s, bytes / 1e6 / s);
                new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
            }
            System.out.printf("%.0f MB in 5 layers; median over %d runs: hako %.2f s (%.1f MB/s), single-stream curl|tar %.2f s (%.1f MB/s)%n",
                    bytes / 1e6, runs, median(hako), bytes / 1e6 / median(hako), median(baseline), bytes / 1e6 / median(baseline));
        }
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
