import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.cri.v1.RemoveImageRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.image.Push;
import dev.hako.testing.image.TarBuilder;
import dev.hako.testing.image.TestImage;
import dev.hako.testing.registry.RegistryPusher;
import dev.hako.testing.registry.RegistryServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Cold pull: a 6-layer image of ~102 MB of incompressible data (gzip) in a local docker-registry,
 * pulled by a daemon started just before (it has answered Version, nothing else) into an empty
 * root; then WARM more pulls by the same daemon (image removed in between). RUNS fresh daemons per
 * launcher; several launchers (e.g. a copy of an older build) are interleaved run by run, so an
 * A/B comparison shares the machine's noise.
 * Usage: java -cp <test classpath> bench/PullColdBench.java RUNS WARM [insecure|mirror] LAUNCHER...
 *   insecure: the registry host is listed with insecure = true (TLS tried first, then plain HTTP)
 *   mirror:   the host has an http:// mirror, so plain HTTP is used from the first request
 */
public class PullColdBench {
    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(args[0]);
        int warm = Integer.parseInt(args[1]);
        String mode = args[2];
        List<String> launchers = List.of(args).subList(3, args.length);
        TestImage image = randomImage(7);
        long bytes = image.layerBlobs.stream().mapToLong(x -> x.length).sum() + image.config.length;
        Map<String, List<Double>> cold = new LinkedHashMap<>();
        Map<String, List<Double>> hot = new LinkedHashMap<>();
        Map<String, List<Double>> coldCpu = new LinkedHashMap<>();
        Map<String, List<Double>> hotCpu = new LinkedHashMap<>();
        try (RegistryServer registry = RegistryServer.plain()) {
            Push.image(new RegistryPusher(registry), "bench/cold", "1", image);
            // the registry's freshly written blobs must not be flushed by the first pull's syncfs
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            String ref = registry.host() + "/bench/cold:1";
            String toml = mode.equals("mirror")
                    ? "[image.registries.\"%s\"]\nmirrors = [\"http://%s\"]\n".formatted(registry.host(), registry.host())
                    : "[image.registries.\"%s\"]\ninsecure = true\n".formatted(registry.host());
            for (int run = 1; run <= runs; run++) {
                for (String launcher : launchers) {
                    try (DaemonProcess d = DaemonProcess.withConfig(toml).startWith(Path.of(launcher).toAbsolutePath())) {
                        for (int i = 0; i <= warm; i++) {
                            long cpu0 = cpuTicks(d.process().pid());
                            long t0 = System.nanoTime();
                            d.image().withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS)
                                    .pullImage(PullImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
                            double ms = (System.nanoTime() - t0) / 1e6;
                            double cpu = (cpuTicks(d.process().pid()) - cpu0) * 10.0;
                            (i == 0 ? cold : hot).computeIfAbsent(launcher, k -> new ArrayList<>()).add(ms);
                            (i == 0 ? coldCpu : hotCpu).computeIfAbsent(launcher, k -> new ArrayList<>()).add(cpu);
                            System.out.printf("%-40s run %d %s %7.0f ms  (daemon CPU %5.0f ms)%n", launcher, run,
                                    i == 0 ? "cold" : "warm", ms, cpu);
                            d.image().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
                        }
                        if (System.getenv("PULL_BENCH_LOG") != null) {
                            d.log().lines().filter(l -> l.contains("component=image") || l.contains("pull-phase"))
                                    .forEach(System.out::println);
                        }
                    }
                }
            }
        }
        System.out.printf("%.0f MB in %d layers, %s registry%n", bytes / 1e6, image.layerBlobs.size(), mode);
        for (String l : launchers) {
            System.out.printf("%-40s cold median %6.0f ms (CPU %5.0f ms)   warm median %6.0f ms (CPU %5.0f ms)   cold runs %s%n",
                    l, median(cold.get(l)), median(coldCpu.get(l)), hot.containsKey(l) ? median(hot.get(l)) : Double.NaN,
                    hot.containsKey(l) ? median(hotCpu.get(l)) : Double.NaN,
                    cold.get(l).stream().map(x -> String.format("%.0f", x)).toList());
        }
    }

    /** utime + stime of a process, in clock ticks (100 per second on Linux). */
    static long cpuTicks(long pid) throws java.io.IOException {
        String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static TestImage randomImage(long seed) {
        Random random = new Random(seed);
        TestImage.Builder b = TestImage.builder();
        for (int i = 0; i < 6; i++) {
            byte[] data = new byte[17 * 1000 * 1000];
            random.nextBytes(data);
            b.layer(new TarBuilder().file("layer" + i + "/data.bin", data, 0644));
        }
        return b.build();
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
