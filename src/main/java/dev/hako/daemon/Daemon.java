package dev.hako.daemon;

import dev.hako.BuildInfo;
import dev.hako.config.HakoConfig;
import dev.hako.cri.CriServices;
import dev.hako.error.FatalErrors;
import dev.hako.container.ContainerLayers;
import dev.hako.container.ContainerService;
import dev.hako.container.ContainerStreams;
import dev.hako.stream.StreamServer;
import dev.hako.image.ImageService;
import dev.hako.pod.PodService;
import dev.hako.stats.StatsService;
import dev.hako.log.Log;
import dev.hako.metrics.Metrics;
import dev.hako.metrics.MetricsServer;
import dev.hako.trace.Trace;
import dev.hako.network.Cni;
import dev.hako.network.NetworkState;
import dev.hako.network.SettingStore;
import dev.hako.monitor.Conmon;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.oci.RuntimeHandlers;
import dev.hako.spec.HostFacts;
import dev.hako.store.MetadataStore;
import dev.hako.store.StoreException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * {@code hako daemon}: takes the locks, opens the store, serves the CRI on the socket until SIGTERM
 * or SIGINT, then drains in-flight calls and exits 0.
 */
public final class Daemon {
    private static final Log LOG = Log.of("daemon");
    /** How long in-flight calls may run after a stop signal before they are cancelled. */
    static final long SHUTDOWN_GRACE_MILLIS = 10_000;

    private final HakoConfig config;
    private final CountDownLatch stopRequested = new CountDownLatch(1);

    public Daemon(HakoConfig config) {
        this.config = config;
    }

    /** Runs until a stop signal; returns normally after a clean shutdown. */
    public void run() throws StartupException {
        long started = System.nanoTime();
        AfterStart afterStart = new AfterStart();
        FatalErrors.haltOnUncaught();
        installSignalHandlers();
        createDirectory(config.root());
        createDirectory(config.state());
        createDirectory(config.socket().getParent());
        if (config.metrics().enabled()) {
            Metrics.enable(); // from the first call on: the server itself starts once the services exist
        }
        if (config.tracing().enabled()) {
            // spans queue from the first call on; an unreachable collector costs nothing but dropped spans
            Trace.enable(config.tracing().tracesUrl(), config.tracing().samplingRatePerMillion(), BuildInfo.VERSION);
            LOG.info("exporting traces", "endpoint", config.tracing().tracesUrl(),
                    "sampling_rate_per_million", config.tracing().samplingRatePerMillion());
        }
        try (ExclusiveLock rootLock = ExclusiveLock.acquire(config.root().resolve("hako.lock"), "root " + config.root());
             ExclusiveLock socketLock = ExclusiveLock.acquire(lockFileFor(config.socket()), "socket " + config.socket());
             PendingServer pending = PendingServer.bind(config.socket(), afterStart);
             MetadataStore store = openStore()) {
            startupPhase("store", started);
            RuntimeHandlers handlers = new RuntimeHandlers(config.runtime());
            dev.hako.oci.HostCgroups.current(); // logs once what containers' resources will leave out
            startupPhase("cgroups", started);
            Cni cni = new Cni(config.network(), config.state().resolve("cni"));
            NetworkState network = new NetworkState(SettingStore.of(store::setting, store::putSetting), cni);
            ImageService images = new ImageService(config, store, ContainerLayers.inUse(store));
            HostFacts host = HostFacts.probe(); // once: infra and app containers share its oom_score_adj floor
            // one container monitor for every runtime: infra and app containers alike
            ContainerRuntimes runtimes = new ContainerRuntimes(config.runtime(), new Conmon(config.runtime().conmon(),
                    config.state()));
            PodService pods = new PodService(config, store, handlers, runtimes, cni, host);
            ContainerService containers = new ContainerService(config, store, pods, images, handlers, runtimes, host);
            startupPhase("services", started);
            pods.recover();
            startupPhase("pods_recovered", started);
            containers.recover();
            startupPhase("containers_recovered", started);
            images.recover();
            startupPhase("images_recovered", started);
            StatsService stats = new StatsService(config, containers, pods).start();
            startupPhase("stats", started);
            ContainerStreams streams = new ContainerStreams(containers, pods, config.state());
            StreamServer streamServer = startStreamServer(streams);
            startupPhase("stream_server", started);
            MetricsServer metricsServer = startMetricsServer(pods, containers);
            startupPhase("metrics_server", started);
            CriSocketServer server = pending.await();
            server.publish(CriServices.create(config, handlers, network, images, pods, containers, stats, streams, streamServer));
            LOG.info("serving CRI", "socket", config.socket(), "version", BuildInfo.VERSION,
                    "root", config.root(), "state", config.state(),
                    "default_handler", handlers.defaultName(),
                    "startup_ms", (System.nanoTime() - started) / 1_000_000);
            afterStart.run(List.of(() -> logHandlerStatuses(handlers), images::prepareForPulls));
            awaitStop();
            LOG.info("stopping: no new calls, waiting for running ones", "grace_ms", SHUTDOWN_GRACE_MILLIS);
            server.shutdown(SHUTDOWN_GRACE_MILLIS);
            streamServer.close();
            if (metricsServer != null) {
                metricsServer.close();
            }
            stats.close();
            Trace.shutdown(); // after the last call: its spans are exported before the process ends
        }
        LOG.info("stopped");
    }

    /** One debug line per start-up step, so a slow start shows where its time went. */
    private static void startupPhase(String step, long started) {
        LOG.debug("start-up step done", "step", step, "elapsed_ms", (System.nanoTime() - started) / 1_000_000);
    }

    /** The exec/attach/port-forward server; a taken address or a bad certificate stops start-up. */
    private StreamServer startStreamServer(ContainerStreams streams) throws StartupException {
        try {
            StreamServer server = new StreamServer(config.stream(), streams).start();
            LOG.info("serving streams", "address", server.address());
            return server;
        } catch (java.io.IOException | RuntimeException e) {
            throw new StartupException(StartupException.FAILURE, "cannot start the stream server on "
                    + config.stream().address() + ":" + config.stream().port() + ": " + e.getMessage());
        }
    }

    /**
     * The Prometheus endpoint of {@code [metrics] address}, or null when it is not set; pod and container
     * counts are taken from the services' lists at each scrape. A taken address stops start-up.
     */
    private MetricsServer startMetricsServer(PodService pods, ContainerService containers) throws StartupException {
        if (!config.metrics().enabled()) {
            return null;
        }
        MetricsServer server;
        try {
            server = MetricsServer.start(config.metrics().host(), config.metrics().port());
        } catch (java.io.IOException | RuntimeException e) {
            throw new StartupException(StartupException.FAILURE, "cannot start the metrics server on "
                    + config.metrics().address() + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        Metrics.stateCounts(
                () -> Metrics.tally(pods.list(), p -> p.state().name().toLowerCase(java.util.Locale.ROOT),
                        dev.hako.pod.Pod::runtimeHandler),
                () -> Metrics.tally(containers.list(), c -> c.state().name().toLowerCase(java.util.Locale.ROOT),
                        dev.hako.container.Container::handler));
        LOG.info("serving metrics", "address", server.address(), "path", "/metrics");
        return server;
    }

    /** Probes every runtime handler (each is probed once) and logs whether it is ready. */
    private static void logHandlerStatuses(RuntimeHandlers handlers) {
        for (RuntimeHandlers.HandlerStatus s : handlers.statuses()) {
            if (s.readiness().ready()) {
                LOG.info("runtime handler ready", "handler", s.name(), "path", s.path());
            } else {
                LOG.warn("runtime handler not ready: pods asking for it fail until the cause in message is fixed "
                        + "and the daemon restarted", "handler", s.name(), "path", s.path(),
                        "reason", s.readiness().reason(), "message", s.readiness().message());
            }
        }
    }

    private MetadataStore openStore() throws StartupException {
        try {
            return MetadataStore.open(config.databaseFile());
        } catch (StoreException e) {
            throw new StartupException(StartupException.FAILURE, e.getMessage());
        }
    }

    private static Path lockFileFor(Path socket) {
        return socket.resolveSibling(socket.getFileName() + ".lock");
    }

    private void installSignalHandlers() {
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), s -> {
                LOG.info("received signal", "signal", "SIG" + s.getName());
                stopRequested.countDown();
            });
        }
    }

    private void awaitStop() {
        while (true) {
            try {
                stopRequested.await();
                return;
            } catch (InterruptedException e) {
                // only a signal ends the daemon
            }
        }
    }

    /** Creates {@code dir} 0711 if missing: others may reach the socket inside but not list the directory. */
    private static void createDirectory(Path dir) throws StartupException {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            }
        } catch (IOException e) {
            throw new StartupException(StartupException.FAILURE, "cannot create directory " + dir + ": " + e.getMessage());
        }
    }
}
