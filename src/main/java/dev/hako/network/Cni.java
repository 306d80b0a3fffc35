package dev.hako.network;

import dev.hako.Readiness;
import dev.hako.config.NetworkSettings;
import dev.hako.error.HakoException;
import dev.hako.metrics.Metrics;
import dev.hako.trace.Trace;
import dev.hako.log.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pod's network through CNI: ADD, DEL and CHECK of the network configuration in use
 * ({@link CniConfigDir}), each plugin run by {@link CniPluginRunner}. Each pod's ADD is recorded in the
 * {@link CniCache} under {@code cacheDir} before it starts and completed with its result, so DEL (and
 * CHECK) run with the configuration and result of the ADD, even after a restart, and a DEL stays owed
 * for an ADD cut short.
 */
public final class Cni {
    private static final Log LOG = Log.of("cni");
    public static final String IFNAME = "eth0";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** A port the pod publishes on the node, as the portmap plugin wants it. */
    public record PortMapping(int hostPort, int containerPort, String protocol, String hostIp) {}

    /** What CNI needs to know about a pod: its id, network namespace path and Kubernetes identity. */
    public record Attachment(String podId, String netns, String namespace, String name, String uid,
                             List<PortMapping> portMappings, Map<String, Object> dns, Map<String, Object> bandwidth) {
        public Attachment {
            portMappings = List.copyOf(portMappings);
            dns = dns == null ? Map.of() : Map.copyOf(dns);
            bandwidth = bandwidth == null ? Map.of() : Map.copyOf(bandwidth);
        }

        public Attachment(String podId, String netns, String namespace, String name, String uid,
                          List<PortMapping> portMappings, Map<String, Object> dns) {
            this(podId, netns, namespace, name, uid, portMappings, dns, Map.of());
        }
    }

    /**
     * The {@code bandwidth} capability from the pod annotations Kubernetes defines for it
     * ({@code kubernetes.io/ingress-bandwidth}, {@code kubernetes.io/egress-bandwidth}).
     */
    public static Map<String, Object> bandwidth(Map<String, String> annotations) {
        return CniCapabilityArgs.bandwidth(annotations);
    }

    /** The final result of an ADD: the pod's addresses (without prefix length), first one primary. */
    public record Result(List<String> ips, Map<String, Object> raw) {
        public Result {
            ips = List.copyOf(ips);
        }
    }

    private final CniConfigDir configs;
    private final CniPluginRunner plugins;
    private final CniCache cache;

    public Cni(NetworkSettings settings, Path cacheDir) {
        this(settings, cacheDir, DEFAULT_TIMEOUT);
    }

    public Cni(NetworkSettings settings, Path cacheDir, Duration timeout) {
        this.configs = new CniConfigDir(settings);
        this.plugins = new CniPluginRunner(configs, cacheDir, timeout);
        this.cache = new CniCache(cacheDir);
        plugins.removeScratchLeftovers();
    }

    /**
     * Ready while the configuration directory holds a valid network configuration whose plugins are
     * all found; re-evaluated only when the directory or one of its configuration files changed.
     */
    public Readiness readiness() {
        return configs.readiness();
    }

    /** Whether the configuration directory holds any network configuration (valid or not). */
    public boolean hasConfiguration() {
        return configs.hasConfiguration();
    }

    /**
     * ADD: attaches the pod's netns to the network; caches and returns the result. The DEL it makes owed
     * is recorded (configuration, netns, interface) before the first plugin runs, so that a daemon
     * killed half-way through still releases the address and port rules at its next start.
     */
    public Result add(Attachment a) {
        return Metrics.cni("add", () -> attach(a));
    }

    private Result attach(Attachment a) {
        CniNetConf conf = configs.load();
        long started = System.nanoTime();
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("kind", "hakoCniCacheV1");
        entry.put("containerId", a.podId());
        entry.put("ifName", IFNAME);
        entry.put("netns", a.netns());
        entry.put("attachment", CniCache.describe(a));
        entry.put("config", conf.raw());
        cache.write(a.podId(), entry);
        Map<String, Object> prev = null;
        Trace.current().attribute("cni.network", conf.name());
        for (Map<String, Object> plugin : conf.plugins()) {
            Map<String, Object> input = prev;
            String type = String.valueOf(plugin.get("type"));
            // one phase per plugin of the chain: which one is slow (IPAM, portmap's iptables) is the question
            Map<String, Object> out = Trace.in("cni add " + type, () -> plugins.run("ADD", conf, plugin, a, a.netns(), input));
            if (out != null) {
                prev = out;
            }
            dev.hako.FaultPoints.reach("cni-add-plugin");
        }
        if (prev == null) {
            throw new HakoException(HakoException.Kind.INTERNAL, "CNI network " + conf.name() + " gave no result");
        }
        entry.put("result", prev);
        cache.write(a.podId(), entry);
        Result result = new Result(CniPluginRunner.ips(prev), prev);
        LOG.info("CNI ADD", "pod", a.podId(), "network", conf.name(), "ips", result.ips(),
                "ms", (System.nanoTime() - started) / 1_000_000);
        return result;
    }

    /**
     * DEL: detaches the pod, plugins in reverse order with the cached ADD result as prevResult and the
     * cached configuration (the current one when nothing is cached). A netns path that no longer exists
     * is passed as empty, which plugins accept (they then only release what lives outside it). Removes
     * the cache once every plugin succeeded.
     */
    @SuppressWarnings("unchecked")
    public void del(Attachment a) {
        Metrics.cniRun("del", () -> detach(a));
    }

    @SuppressWarnings("unchecked")
    private void detach(Attachment a) {
        Optional<Map<String, Object>> cached = cache.read(a.podId());
        if (a.name().isEmpty() && cached.isPresent() && cached.get().get("attachment") instanceof Map<?, ?> m) {
            // recovery knows only the pod's ID: portmap removes its rules only when told the mappings again
            a = CniCache.attachmentOf(a.podId(), a.netns(), m);
        }
        CniNetConf conf;
        Map<String, Object> prev = null;
        if (cached.isPresent() && cached.get().get("config") instanceof Map<?, ?> raw) {
            conf = CniNetConf.parse(cache.file(a.podId()), (Map<String, Object>) raw);
            if (cached.get().get("result") instanceof Map<?, ?> r) {
                prev = (Map<String, Object>) r;
            }
        } else {
            conf = configs.load();
        }
        String netns = isNetns(a.netns()) ? a.netns() : "";
        if (netns.isEmpty() && cached.isPresent() && cached.get().get("netns") instanceof String pinned && isNetns(pinned)) {
            netns = pinned; // recovery knows only the pod's ID; the netns the ADD used may still be pinned
        }
        List<Map<String, Object>> reversed = new ArrayList<>(conf.plugins());
        Collections.reverse(reversed);
        for (Map<String, Object> plugin : reversed) {
            Map<String, Object> input = prev;
            String ns = netns;
            Attachment of = a;
            Trace.in("cni del " + plugin.get("type"), () -> plugins.run("DEL", conf, plugin, of, ns, input));
        }
        cache.remove(a.podId());
        LOG.info("CNI DEL", "pod", a.podId(), "network", conf.name(), "netns", netns.isEmpty() ? "gone" : netns);
    }

    /** Whether {@code path} is a network namespace (a mounted nsfs file), not a missing or unmounted pin. */
    static boolean isNetns(String path) {
        if (path == null || path.isEmpty()) {
            return false;
        }
        try {
            return "nsfs".equals(Files.getFileStore(Path.of(path)).type());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** CHECK: asks each plugin whether the attachment is still as ADD left it. */
    @SuppressWarnings("unchecked")
    public void check(Attachment a) {
        Map<String, Object> entry = cache.read(a.podId())
                .orElseThrow(() -> HakoException.failedPrecondition("no CNI result cached for pod " + a.podId()));
        CniNetConf conf = CniNetConf.parse(cache.file(a.podId()), (Map<String, Object>) entry.get("config"));
        if (!(entry.get("result") instanceof Map<?, ?> result)) {
            throw HakoException.failedPrecondition("the CNI ADD of pod " + a.podId() + " did not finish");
        }
        Map<String, Object> prev = (Map<String, Object>) result;
        for (Map<String, Object> plugin : conf.plugins()) {
            plugins.run("CHECK", conf, plugin, a, a.netns(), prev);
        }
    }

    /** IDs of every pod with a cached ADD (finished or begun): each still owes a DEL. */
    public List<String> cachedPodIds() {
        return cache.podIds();
    }

    /** Whether an ADD was begun for the pod and not yet undone (that is, a DEL is still owed). */
    public boolean hasCachedResult(String podId) {
        return cache.has(podId);
    }
}
