package dev.hako.oci;

import dev.hako.Readiness;
import dev.hako.config.ConfigTree;
import dev.hako.config.HandlerConfig;
import dev.hako.config.RuntimeSettings;
import dev.hako.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The OCI runtimes a pod can be run with, by RuntimeClass handler name. The empty name is the
 * kubelet's way of asking for the default handler.
 *
 * <p>Each handler is probed once, lazily on the first {@link #statuses()} or {@link #features}
 * call (so start-up stays fast), all in parallel on virtual threads with {@link #PROBE_TIMEOUT}
 * per command: {@code <path> --version} must succeed; crun is not ready on a cgroup v1/v2 hybrid
 * host, which crun 1.8 refuses; {@code <path> features} (where the runtime has it) tells whether it
 * knows the {@code rro} mount option.
 */
public final class RuntimeHandlers {
    static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

    private final RuntimeSettings settings;
    private volatile Map<String, HandlerStatus> probed;

    public RuntimeHandlers(RuntimeSettings settings) {
        this.settings = settings;
    }

    public String defaultName() {
        return settings.defaultHandler();
    }

    /** Every configured handler, the default first. */
    public List<HandlerConfig> all() {
        return ConfigTree.sortedHandlers(settings);
    }

    /**
     * Optional runtime capabilities the kubelet gates features on: {@code recursive_read_only_mounts}
     * when the handler's runtime lists the {@code rro} mount option in its {@code features} output
     * (the spec generator turns a CRI recursive read-only mount into {@code rro}). User namespaces
     * are not supported yet.
     */
    public Features features(String handler) {
        for (HandlerStatus s : statuses()) {
            if (s.name().equals(handler)) {
                return new Features(s.runtimeRro(), false);
            }
        }
        return Features.NONE;
    }

    /** Ready while the default handler's binary is still there to run containers with. */
    public Readiness readiness() {
        HandlerConfig def = settings.defaultHandlerConfig();
        if (Files.isExecutable(def.path())) {
            return Readiness.READY;
        }
        return Readiness.notReady("RuntimeBinaryMissing",
                "the default handler " + def.name() + " runs " + def.path() + ", which is missing or not executable");
    }

    /** Every handler's probe result, the default first; probes run once, on the first call. */
    public List<HandlerStatus> statuses() {
        Map<String, HandlerStatus> p = probed;
        if (p == null) {
            synchronized (this) {
                p = probed;
                if (p == null) {
                    p = probeAll(all(), HostCgroups.current().hybrid());
                    probed = p;
                }
            }
        }
        return List.copyOf(p.values());
    }

    /** The verbose Status {@code handlers} entry: name, path, ready, reason (and message, runtime_rro). */
    public List<Map<String, Object>> statusInfo() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (HandlerStatus s : statuses()) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("name", s.name());
            one.put("path", s.path().toString());
            one.put("ready", s.readiness().ready());
            one.put("reason", s.readiness().reason());
            one.put("message", s.readiness().message());
            one.put("runtime_rro", s.runtimeRro());
            out.add(one);
        }
        return out;
    }

    static Map<String, HandlerStatus> probeAll(List<HandlerConfig> handlers, boolean hybridCgroups) {
        Map<String, HandlerStatus> out = new LinkedHashMap<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<String, Future<HandlerStatus>> futures = new LinkedHashMap<>();
            for (HandlerConfig h : handlers) {
                futures.put(h.name(), pool.submit(() -> probe(h, hybridCgroups)));
            }
            for (HandlerConfig h : handlers) {
                HandlerStatus s;
                try {
                    s = futures.get(h.name()).get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    s = new HandlerStatus(h.name(), h.path(), Readiness.notReady("RuntimeProbeFailed", "interrupted"), false);
                } catch (ExecutionException e) {
                    s = new HandlerStatus(h.name(), h.path(),
                            Readiness.notReady("RuntimeProbeFailed", String.valueOf(e.getCause())), false);
                }
                out.put(h.name(), s);
            }
        }
        return out;
    }

    static HandlerStatus probe(HandlerConfig h, boolean hybridCgroups) {
        if (!Files.isRegularFile(h.path()) || !Files.isExecutable(h.path())) {
            return new HandlerStatus(h.name(), h.path(), Readiness.notReady("RuntimeBinaryMissing",
                    h.path() + " is missing or not executable"), false);
        }
        Result version = run(h.path(), "--version");
        if (version.exit() != 0) {
            return new HandlerStatus(h.name(), h.path(), Readiness.notReady("RuntimeVersionFailed",
                    h.path() + " --version: " + version.describe()), false);
        }
        Result features = run(h.path(), "features");
        boolean rro = features.exit() == 0 && listsRro(features.output());
        if (isCrun(h, version.output()) && hybridCgroups) {
            return new HandlerStatus(h.name(), h.path(), Readiness.notReady("CgroupsHybridUnsupported",
                    "crun does not support hybrid cgroups (v1 controllers with cgroup2 at /sys/fs/cgroup/unified)"), rro);
        }
        return new HandlerStatus(h.name(), h.path(), Readiness.READY, rro);
    }

    private static boolean isCrun(HandlerConfig h, String versionOutput) {
        return h.path().getFileName().toString().equals("crun") || versionOutput.startsWith("crun ");
    }

    /** Whether an OCI {@code features} document lists the {@code rro} mount option. */
    static boolean listsRro(String featuresJson) {
        try {
            Object options = Json.parseObject(featuresJson).get("mountOptions");
            return options instanceof List<?> l && l.contains("rro");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private record Result(int exit, String output) {
        String describe() {
            String text = output.strip();
            return (exit == -1 ? "timed out or failed to run" : "exit status " + exit)
                    + (text.isEmpty() ? "" : ": " + (text.length() > 200 ? text.substring(0, 200) + "…" : text));
        }
    }

    private static Result run(Path binary, String arg) {
        Process p;
        try {
            p = new ProcessBuilder(binary.toString(), arg).redirectErrorStream(true).start();
        } catch (IOException e) {
            return new Result(-1, String.valueOf(e.getMessage()));
        }
        // read on a thread of its own that is never waited for: a grandchild holding the pipe
        // open after a timeout must not hold up the probe
        CompletableFuture<String> out = new CompletableFuture<>();
        Thread.ofVirtual().name("probe-" + binary.getFileName()).start(() -> {
            try {
                out.complete(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.complete("");
            }
        });
        try {
            p.getOutputStream().close();
            if (!p.waitFor(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(p);
                return new Result(-1, "");
            }
            return new Result(p.exitValue(), out.get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        } catch (IOException | ExecutionException | TimeoutException e) {
            kill(p);
            return new Result(-1, String.valueOf(e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill(p);
            return new Result(-1, "interrupted");
        }
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    /** One handler's probe result; {@code runtimeRro}: the runtime itself lists the rro mount option. */
    public record HandlerStatus(String name, Path path, Readiness readiness, boolean runtimeRro) {}

    public record Features(boolean recursiveReadOnlyMounts, boolean userNamespaces) {
        public static final Features NONE = new Features(false, false);
    }
}
