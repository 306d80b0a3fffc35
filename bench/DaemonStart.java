import dev.hako.cri.v1.RuntimeServiceGrpc;
import dev.hako.cri.v1.VersionRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Measures, per run, the time from exec of `bin/hako daemon` to the first answered Version call,
 * and the daemon's RSS after it has idled for a while. This harness JVM is already warm, so
 * its own start-up is not in the figure.
 * Usage: java -cp target/hako.jar bench/DaemonStart.java RUNS IDLE_SECONDS
 * ({@code HAKO_BENCH_TOML} in the environment is appended to the daemon's config.)
 */
public class DaemonStart {
    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int idleSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path home = Path.of("").toAbsolutePath();
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        List<Double> startMs = new ArrayList<>();
        List<Double> rssMiB = new ArrayList<>();
        for (int run = 0; run <= runs; run++) { // run 0 warms the page cache and this harness
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "hako-bench");
            Path socket = dir.resolve("hako.sock");
            Files.writeString(dir.resolve("hako.toml"), """
                    socket = "%s"
                    root = "%s/root"
                    state = "%s/state"
                    log_level = "warn"
                    """.formatted(socket, dir, dir)
                    // e.g. HAKO_BENCH_TOML=$'[metrics]\naddress = ":9779"' for the cost of metrics on
                    + System.getenv().getOrDefault("HAKO_BENCH_TOML", ""));
            ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/hako").toString(), "daemon",
                    "--config", dir.resolve("hako.toml").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("daemon.log").toFile());
            long t0 = System.nanoTime();
            Process daemon = pb.start();
            while (!answers(loop, socket)) {
                if (!daemon.isAlive()) {
                    throw new IllegalStateException("daemon died: " + Files.readString(dir.resolve("daemon.log")));
                }
                Thread.sleep(2);
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            Thread.sleep(idleSeconds * 1000L);
            double rss = rssKiB(daemon.pid()) / 1024.0;
            daemon.destroy();
            if (daemon.waitFor() != 0) {
                throw new IllegalStateException("daemon exited " + daemon.exitValue());
            }
            if (run > 0) {
                startMs.add(ms);
                rssMiB.add(rss);
                System.out.printf("run %2d: first Version answered after %6.1f ms, idle RSS %5.1f MiB%n", run, ms, rss);
            }
            deleteTree(dir);
        }
        loop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        System.out.printf("median over %d runs: start %.0f ms (min %.0f, max %.0f), idle RSS %.1f MiB (min %.1f, max %.1f)%n",
                runs, median(startMs), Collections.min(startMs), Collections.max(startMs),
                median(rssMiB), Collections.min(rssMiB), Collections.max(rssMiB));
    }

    static boolean answers(EventLoopGroup loop, Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        ManagedChannel ch = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop)
                .withOption(ChannelOption.SO_KEEPALIVE, null).usePlaintext().build();
        try {
            return "hako".equals(RuntimeServiceGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .version(VersionRequest.getDefaultInstance()).getRuntimeName());
        } catch (RuntimeException e) {
            return false;
        } finally {
            ch.shutdownNow();
        }
    }

    static long rssKiB(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }

    static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    static void deleteTree(Path dir) throws Exception {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
