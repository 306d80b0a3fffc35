package dev.hako.testing;

import dev.hako.cri.v1.ImageServiceGrpc;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code hako daemon} in its own JVM, on a socket, root and state under a private temporary
 * directory, and a gRPC client for it. Tests talk to it exactly as the kubelet would.
 */
public final class DaemonProcess implements AutoCloseable {
    private final Path dir;
    private final Path configFile;
    private final Path log;
    private Process process;
    private java.util.Map<String, String> environment = java.util.Map.of();
    private EventLoopGroup clientLoop;
    private ManagedChannel channel;

    private DaemonProcess(Path dir, Path configFile) {
        this.dir = dir;
        this.configFile = configFile;
        this.log = dir.resolve("daemon-" + System.nanoTime() + ".log");
    }

    /** A fresh directory with a config whose socket, root and state live inside it, plus {@code extraToml}. */
    public static DaemonProcess withConfig(String extraToml) throws IOException {
        Path dir = TempDirs.create("hako-test");
        return withConfig(dir, extraToml);
    }

    public static DaemonProcess withConfig(Path dir, String extraToml) throws IOException {
        Path config = dir.resolve("hako.toml");
        Files.createDirectories(cniConfDir(dir));
        String network = extraToml.contains("[network]") ? "" : networkToml(dir);
        Files.writeString(config, baseToml(dir) + withPodLogRoot(extraToml, dir) + network);
        return new DaemonProcess(dir, config);
    }

    /**
     * {@code extraToml} with {@code runtime.pod_log_root} set to {@link #podLogRoot}: put in the caller's
     * {@code [runtime]} table, or in one of its own ahead of the caller's {@code [runtime.*]} tables.
     */
    static String withPodLogRoot(String extraToml, Path dir) {
        if (extraToml.contains("pod_log_root")) {
            return extraToml;
        }
        String key = "pod_log_root = \"" + podLogRoot(dir) + "\"\n";
        java.util.regex.Matcher table = java.util.regex.Pattern.compile("(?m)^\\[runtime\\]\\s*$\\n?").matcher(extraToml);
        if (table.find()) {
            return extraToml.substring(0, table.end()) + (table.group().endsWith("\n") ? "" : "\n") + key
                    + extraToml.substring(table.end());
        }
        java.util.regex.Matcher sub = java.util.regex.Pattern.compile("(?m)^\\[runtime\\.").matcher(extraToml);
        int at = sub.find() ? sub.start() : extraToml.length();
        String before = extraToml.substring(0, at);
        return before + (before.isEmpty() || before.endsWith("\n") ? "" : "\n") + "[runtime]\n" + key
                + extraToml.substring(at);
    }

    /** The pod log root ({@code runtime.pod_log_root}) of a daemon confined to {@code dir}: pods log below it. */
    public static Path podLogRoot(Path dir) {
        return dir.resolve("logs");
    }

    /** Socket, root and state keys for a daemon confined to {@code dir}; callers append tables after it. */
    public static String baseToml(Path dir) {
        return """
                socket = "%s/run/hako.sock"
                root = "%s/root"
                state = "%s/run"
                log_level = "debug"
                """.formatted(dir, dir, dir);
    }

    /**
     * The {@code [network]} table every test daemon gets unless its extra TOML has its own: CNI
     * configurations from an empty directory of its own (never the host's /etc/cni/net.d), so pods
     * get loopback only until a test writes a conflist there. Appended after the caller's tables.
     */
    public static String networkToml(Path dir) {
        return """

                [network]
                cni_conf_dir = "%s"
                cni_bin_dirs = ["/usr/lib/cni"]
                """.formatted(cniConfDir(dir));
    }

    /** The CNI configuration directory of a daemon confined to {@code dir}. */
    public static Path cniConfDir(Path dir) {
        return dir.resolve("cni/net.d");
    }

    public Path dir() {
        return dir;
    }

    public Path configFile() {
        return configFile;
    }

    public Path socket() {
        return dir.resolve("run/hako.sock");
    }

    public Path root() {
        return dir.resolve("root");
    }

    /** Extra environment for the next starts (e.g. a fault point, see dev.hako.FaultPoints); empty for none. */
    public DaemonProcess environment(java.util.Map<String, String> env) {
        this.environment = java.util.Map.copyOf(env);
        return this;
    }

    /** Starts the daemon and waits until it answers Version. */
    public DaemonProcess start() throws IOException, InterruptedException {
        return startWith(null);
    }

    /** Starts the daemon through {@code launcher} (e.g. bin/hako), or the test classpath when null. */
    public DaemonProcess startWith(Path launcher) throws IOException, InterruptedException {
        if (launcher == null) {
            process = HakoCommand.start(log, environment, "daemon", "--config", configFile.toString());
        } else {
            process = new ProcessBuilder("env", "--default-signal", launcher.toString(), "daemon", "--config",
                    configFile.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("daemon exited with " + process.exitValue() + ":\n" + log());
            }
            if (Files.exists(socket())) {
                try {
                    runtime().withDeadlineAfter(2, TimeUnit.SECONDS).version(VersionRequest.getDefaultInstance());
                    return this;
                } catch (RuntimeException notYet) {
                    // socket bound but not serving yet
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("daemon did not answer within 30 s:\n" + log());
            }
            Thread.sleep(50);
        }
    }

    public Process process() {
        return process;
    }

    public RuntimeServiceGrpc.RuntimeServiceBlockingStub runtime() {
        return RuntimeServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    public ImageServiceGrpc.ImageServiceBlockingStub image() {
        return ImageServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    public ManagedChannel channel() {
        if (channel == null) {
            clientLoop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket().toString()))
                    .channelType(EpollDomainSocketChannel.class)
                    .eventLoopGroup(clientLoop)
                    .withOption(ChannelOption.SO_KEEPALIVE, null)
                    .usePlaintext()
                    .build();
        }
        return channel;
    }

    /** Containers outlive the daemon by design: a test must not leave its pods running behind it. */
    private void removeEverything() {
        try {
            for (var c : runtime().listContainers(dev.hako.cri.v1.ListContainersRequest.getDefaultInstance()).getContainersList()) {
                runtime().removeContainer(dev.hako.cri.v1.RemoveContainerRequest.newBuilder().setContainerId(c.getId()).build());
            }
            for (var p : runtime().listPodSandbox(dev.hako.cri.v1.ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                runtime().removePodSandbox(dev.hako.cri.v1.RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            }
        } catch (RuntimeException e) {
            // best effort: the daemon may not implement pods in this test's configuration
        }
    }

    /** Sends SIGTERM and returns the exit code. */
    public int stop() throws InterruptedException {
        closeClient();
        if (process == null) {
            return -1;
        }
        process.destroy(); // SIGTERM
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("daemon ignored SIGTERM for 30 s:\n" + log());
        }
        return process.exitValue();
    }

    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private void closeClient() {
        if (channel != null) {
            channel.shutdownNow();
            clientLoop.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            channel = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            removeEverything();
            stop();
        }
        closeClient();
        TempDirs.delete(dir);
    }

}
