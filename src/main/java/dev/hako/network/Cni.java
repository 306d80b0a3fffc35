package dev.hako.network;

import dev.hako.Readiness;
import dev.hako.config.NetworkSettings;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.log.Log;
import dev.hako.sys.Subprocess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Calls CNI plugins the way the CNI spec describes: the first {@code .conflist}/{@code .conf} of the
 * configuration directory (by file name) is the pod network; each of its plugins is exec'd from the
 * plugin directories with the {@code CNI_*} environment and its configuration (with {@code prevResult}
 * and {@code runtimeConfig}) on stdin. Each pod's ADD is recorded under {@code cacheDir} before it
 * starts and completed with its result, so DEL (and CHECK) run with the configuration and result of the
 * ADD, even after a restart, and a DEL stays owed for an ADD cut short.
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
     * ({@code kubernetes.io/ingress-bandwidth}, {@code kubernetes.io/egress-bandwidth}, e.g. {@code 10M}):
     * rates in bits per second, with the burst the kubelet's kubenet used (effectively unlimited).
     */
    public static Map<String, Object> bandwidth(Map<String, String> annotations) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String dir : List.of("ingress", "egress")) {
            String value = annotations.get("kubernetes.io/" + dir + "-bandwidth");
            if (value != null && !value.isBlank()) {
                out.put(dir + "Rate", bitsPerSecond(value.strip(), "kubernetes.io/" + dir + "-bandwidth"));
                out.put(dir + "Burst", (long) Integer.MAX_VALUE);
            }
        }
        return out;
    }

    /** A Kubernetes quantity as bits per second: {@code 10M}, {@code 1G}, {@code 500k}, {@code 1Mi}, plain numbers. */
    static long bitsPerSecond(String q, String field) {
        String[][] suffixes = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
                {"k", "1000"}, {"K", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}};
        try {
            for (String[] s : suffixes) {
                if (q.endsWith(s[0])) {
                    return (long) (Double.parseDouble(q.substring(0, q.length() - s[0].length())) * Long.parseLong(s[1]));
                }
            }
            return Long.parseLong(q);
        } catch (NumberFormatException e) {
            throw HakoException.invalidArgument("config.annotations[" + field + "]", "\"" + q + "\" is not a bandwidth such as 10M");
        }
    }

    /** The final result of an ADD: the pod's addresses (without prefix length), first one primary. */
    public record Result(List<String> ips, Map<String, Object> raw) {
        public Result {
            ips = List.copyOf(ips);
        }
    }

    /** A loaded network configuration list. */
    record NetConf(Path file, String name, String cniVersion, List<Map<String, Object>> plugins,
                   Map<String, Object> raw) {}

    private final NetworkSettings settings;
    /** Per-call directories for a plugin's stdin, stdout and stderr (dot names: never taken for a pod's cache). */
    private static final String SCRATCH_PREFIX = ".exec-";
    private final Path cacheDir;
    private final Duration timeout;
    private final Object readinessLock = new Object();
    private String readinessKey;
    private Readiness readiness;

    public Cni(NetworkSettings settings, Path cacheDir) {
        this(settings, cacheDir, DEFAULT_TIMEOUT);
    }

    public Cni(NetworkSettings settings, Path cacheDir, Duration timeout) {
        this.settings = settings;
        this.cacheDir = cacheDir;
        this.timeout = timeout;
        removeScratchLeftovers();
    }

    /** Plugin I/O directories of calls a killed daemon never finished. */
    private void removeScratchLeftovers() {
        if (!Files.isDirectory(cacheDir)) {
            return;
        }
        try (Stream<Path> files = Files.list(cacheDir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith(SCRATCH_PREFIX)).toList()) {
                dev.hako.sys.FileTrees.delete(p);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove leftover CNI plugin files", "dir", cacheDir, "error", e.getMessage());
        }
    }

    // ---------------------------------------------------------------- readiness

    /**
     * Ready while the configuration directory holds a valid network configuration whose plugins are
     * all found; re-evaluated only when the directory or one of its configuration files changed.
     */
    public Readiness readiness() {
        String key = changeKey();
        synchronized (readinessLock) {
            if (readiness != null && key.equals(readinessKey)) {
                return readiness;
            }
        }
        Readiness now;
        try {
            NetConf conf = load();
            for (Map<String, Object> plugin : conf.plugins()) {
                findPlugin((String) plugin.get("type"));
            }
            now = Readiness.READY;
        } catch (HakoException e) {
            now = Readiness.notReady("NetworkPluginNotReady", e.getMessage());
        }
        synchronized (readinessLock) {
            readinessKey = key;
            readiness = now;
        }
        return now;
    }

    private String changeKey() {
        StringBuilder key = new StringBuilder();
        Path dir = settings.cniConfDir();
        try {
            key.append(Files.getLastModifiedTime(dir).toMillis());
            for (Path f : confFiles()) {
                key.append('|').append(f.getFileName()).append(':').append(Files.getLastModifiedTime(f).toMillis())
                        .append(':').append(Files.size(f));
            }
        } catch (IOException | HakoException e) {
            key.append("?");
        }
        for (Path bin : settings.cniBinDirs()) {
            try {
                key.append('|').append(Files.getLastModifiedTime(bin).toMillis());
            } catch (IOException e) {
                key.append("|-");
            }
        }
        return key.toString();
    }

    // ---------------------------------------------------------------- configuration

    private List<Path> confFiles() {
        Path dir = settings.cniConfDir();
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String n = p.getFileName().toString();
                return (n.endsWith(".conflist") || n.endsWith(".conf") || n.endsWith(".json"))
                        && Files.isRegularFile(p);
            }).sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw HakoException.failedPrecondition("cannot list CNI configuration directory " + dir + ": " + e);
        }
    }

    /** Whether the configuration directory holds any network configuration (valid or not). */
    public boolean hasConfiguration() {
        try {
            return !confFiles().isEmpty();
        } catch (HakoException e) {
            return false;
        }
    }

    /** The network configuration in use: the first file of the configuration directory. */
    NetConf load() {
        List<Path> files = confFiles();
        if (files.isEmpty()) {
            throw HakoException.failedPrecondition("no CNI configuration in " + settings.cniConfDir());
        }
        Path file = files.getFirst();
        Map<String, Object> raw;
        try {
            raw = Json.parseObject(Files.readString(file));
        } catch (IOException | RuntimeException e) {
            throw HakoException.failedPrecondition("invalid CNI configuration " + file + ": " + e.getMessage());
        }
        if (!file.getFileName().toString().endsWith(".conflist")) {
            Map<String, Object> list = new LinkedHashMap<>();
            list.put("cniVersion", raw.get("cniVersion"));
            list.put("name", raw.get("name"));
            list.put("plugins", List.of(raw));
            raw = list;
        }
        return parse(file, raw);
    }

    @SuppressWarnings("unchecked")
    static NetConf parse(Path file, Map<String, Object> raw) {
        String where = "invalid CNI configuration " + file + ": ";
        if (!(raw.get("name") instanceof String name) || name.isEmpty()) {
            throw HakoException.failedPrecondition(where + "missing \"name\"");
        }
        if (!(raw.get("cniVersion") instanceof String version) || version.isEmpty()) {
            throw HakoException.failedPrecondition(where + "missing \"cniVersion\"");
        }
        if (!(raw.get("plugins") instanceof List<?> list) || list.isEmpty()) {
            throw HakoException.failedPrecondition(where + "missing or empty \"plugins\"");
        }
        List<Map<String, Object>> plugins = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?> m) || !(m.get("type") instanceof String t) || t.isEmpty()) {
                throw HakoException.failedPrecondition(where + "a plugin without \"type\"");
            }
            if (t.contains("/") || t.equals("..")) {
                throw HakoException.failedPrecondition(where + "bad plugin type " + t);
            }
            plugins.add((Map<String, Object>) m);
        }
        return new NetConf(file, name, version, plugins, raw);
    }

    private Path findPlugin(String type) {
        for (Path dir : settings.cniBinDirs()) {
            Path p = dir.resolve(type);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        throw HakoException.failedPrecondition("CNI plugin " + type + " not found in " + settings.cniBinDirs());
    }

    // ---------------------------------------------------------------- operations

    /**
     * ADD: attaches the pod's netns to the network; caches and returns the result. The DEL it makes owed
     * is recorded (configuration, netns, interface) before the first plugin runs, so that a daemon
     * killed half-way through still releases the address and port rules at its next start.
     */
    public Result add(Attachment a) {
        NetConf conf = load();
        long started = System.nanoTime();
        Map<String, Object> cache = new LinkedHashMap<>();
        cache.put("kind", "hakoCniCacheV1");
        cache.put("containerId", a.podId());
        cache.put("ifName", IFNAME);
        cache.put("netns", a.netns());
        cache.put("attachment", describe(a));
        cache.put("config", conf.raw());
        writeCache(a.podId(), cache);
        Map<String, Object> prev = null;
        for (Map<String, Object> plugin : conf.plugins()) {
            Map<String, Object> out = exec("ADD", conf, plugin, a, a.netns(), prev);
            if (out != null) {
                prev = out;
            }
            dev.hako.FaultPoints.reach("cni-add-plugin");
        }
        if (prev == null) {
            throw new HakoException(HakoException.Kind.INTERNAL, "CNI network " + conf.name() + " gave no result");
        }
        cache.put("result", prev);
        writeCache(a.podId(), cache);
        Result result = new Result(ips(prev), prev);
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
        Optional<Map<String, Object>> cache = readCache(a.podId());
        if (a.name().isEmpty() && cache.isPresent() && cache.get().get("attachment") instanceof Map<?, ?> m) {
            // recovery knows only the pod's ID: portmap removes its rules only when told the mappings again
            a = attachmentOf(a.podId(), a.netns(), m);
        }
        NetConf conf;
        Map<String, Object> prev = null;
        if (cache.isPresent() && cache.get().get("config") instanceof Map<?, ?> raw) {
            conf = parse(cacheFile(a.podId()), (Map<String, Object>) raw);
            if (cache.get().get("result") instanceof Map<?, ?> r) {
                prev = (Map<String, Object>) r;
            }
        } else {
            conf = load();
        }
        String netns = isNetns(a.netns()) ? a.netns() : "";
        if (netns.isEmpty() && cache.isPresent() && cache.get().get("netns") instanceof String cached && isNetns(cached)) {
            netns = cached; // recovery knows only the pod's ID; the netns the ADD used may still be pinned
        }
        List<Map<String, Object>> plugins = new ArrayList<>(conf.plugins());
        java.util.Collections.reverse(plugins);
        for (Map<String, Object> plugin : plugins) {
            exec("DEL", conf, plugin, a, netns, prev);
        }
        try {
            Files.deleteIfExists(cacheFile(a.podId()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
        Map<String, Object> cache = readCache(a.podId())
                .orElseThrow(() -> HakoException.failedPrecondition("no CNI result cached for pod " + a.podId()));
        NetConf conf = parse(cacheFile(a.podId()), (Map<String, Object>) cache.get("config"));
        if (!(cache.get("result") instanceof Map<?, ?> result)) {
            throw HakoException.failedPrecondition("the CNI ADD of pod " + a.podId() + " did not finish");
        }
        Map<String, Object> prev = (Map<String, Object>) result;
        for (Map<String, Object> plugin : conf.plugins()) {
            exec("CHECK", conf, plugin, a, a.netns(), prev);
        }
    }

    /** IDs of every pod with a cached ADD (finished or begun): each still owes a DEL. */
    public List<String> cachedPodIds() {
        if (!Files.isDirectory(cacheDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(cacheDir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + cacheDir, e);
        }
    }

    /** Whether an ADD was begun for the pod and not yet undone (that is, a DEL is still owed). */
    public boolean hasCachedResult(String podId) {
        return Files.exists(cacheFile(podId));
    }

    private Map<String, Object> exec(String command, NetConf conf, Map<String, Object> plugin, Attachment a,
                                     String netns, Map<String, Object> prev) {
        String type = (String) plugin.get("type");
        Path binary = findPlugin(type);
        Map<String, Object> stdin = new LinkedHashMap<>(plugin);
        stdin.put("name", conf.name());
        stdin.put("cniVersion", conf.cniVersion());
        if (prev != null) {
            stdin.put("prevResult", prev);
        } else {
            stdin.remove("prevResult");
        }
        Map<String, Object> runtimeConfig = runtimeConfig(plugin, a);
        if (!runtimeConfig.isEmpty()) {
            stdin.put("runtimeConfig", runtimeConfig);
        }
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", a.podId());
        env.put("CNI_NETNS", netns == null ? "" : netns);
        env.put("CNI_IFNAME", IFNAME);
        env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + a.namespace() + ";K8S_POD_NAME=" + a.name()
                + ";K8S_POD_INFRA_CONTAINER_ID=" + a.podId() + ";K8S_POD_UID=" + a.uid());
        env.put("CNI_PATH", String.join(":", settings.cniBinDirs().stream().map(Path::toString).toList()));
        env.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        String what = "CNI plugin " + type + " " + command + " (network " + conf.name() + ")";
        Subprocess.Outcome o;
        try {
            // posix_spawn: a plugin start on every pod's path costs one exec, not ProcessBuilder's two; its
            // stdin/stdout/stderr files live in a directory of this call's own (a kill leaves it to the next start)
            if (!Files.isDirectory(cacheDir)) {
                dev.hako.sys.PrivateFiles.directory(cacheDir);
            }
            Path scratch = Files.createTempDirectory(cacheDir, SCRATCH_PREFIX);
            try {
                o = Subprocess.spawn(List.of(binary.toAbsolutePath().toString()), env,
                        Json.write(stdin).getBytes(StandardCharsets.UTF_8), timeout, scratch);
            } finally {
                dev.hako.sys.FileTrees.delete(scratch);
            }
        } catch (IOException e) {
            throw new HakoException(HakoException.Kind.INTERNAL, what + ": cannot run " + binary + ": " + e.getMessage(), e);
        }
        if (o.timedOut()) {
            throw new HakoException(HakoException.Kind.UNAVAILABLE, what + " timed out after " + timeout.toSeconds() + " s");
        }
        int exit = o.exit();
        String stdout = o.stdout().strip();
        String stderr = o.stderr().strip();
        if (exit != 0) {
            throw new HakoException(HakoException.Kind.INTERNAL, what + " failed: " + errorMessage(stdout, stderr, exit));
        }
        if (stdout.isEmpty()) {
            return null;
        }
        try {
            Map<String, Object> result = Json.parseObject(stdout);
            return "ADD".equals(command) ? result : null;
        } catch (RuntimeException e) {
            if ("ADD".equals(command)) {
                throw new HakoException(HakoException.Kind.INTERNAL, what + " gave an unreadable result: " + e.getMessage());
            }
            return null;
        }
    }


    /** The plugin's {@code {"code","msg","details"}} as "msg: details (code N)"; stderr when stdout says nothing. */
    static String errorMessage(String stdout, String stderr, int exit) {
        try {
            Map<String, Object> e = Json.parseObject(stdout);
            String msg = e.get("msg") instanceof String s ? s : "";
            String details = e.get("details") instanceof String s ? s : "";
            Object code = e.get("code");
            StringBuilder b = new StringBuilder(msg.isEmpty() ? "error" : msg);
            if (!details.isEmpty()) {
                b.append(": ").append(details);
            }
            if (code != null) {
                b.append(" (code ").append(code).append(')');
            }
            return b.toString();
        } catch (RuntimeException notJson) {
            String text = !stdout.isEmpty() ? stdout : stderr;
            return (text.isEmpty() ? "no output" : text) + " (exit status " + exit + ")";
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> runtimeConfig(Map<String, Object> plugin, Attachment a) {
        Map<String, Object> rc = new LinkedHashMap<>();
        if (!(plugin.get("capabilities") instanceof Map<?, ?> caps)) {
            return rc;
        }
        if (Boolean.TRUE.equals(caps.get("portMappings")) && !a.portMappings().isEmpty()) {
            List<Object> ports = new ArrayList<>();
            for (PortMapping pm : a.portMappings()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("hostPort", pm.hostPort());
                m.put("containerPort", pm.containerPort());
                m.put("protocol", pm.protocol().toLowerCase(java.util.Locale.ROOT));
                if (pm.hostIp() != null && !pm.hostIp().isEmpty()) {
                    m.put("hostIP", pm.hostIp());
                }
                ports.add(m);
            }
            rc.put("portMappings", ports);
        }
        if (Boolean.TRUE.equals(caps.get("dns")) && !a.dns().isEmpty()) {
            rc.put("dns", a.dns());
        }
        if (Boolean.TRUE.equals(caps.get("bandwidth")) && !a.bandwidth().isEmpty()) {
            rc.put("bandwidth", a.bandwidth());
        }
        return rc;
    }

    /** Addresses of a result (0.3.0+ {@code ips[].address}, 0.2.0 {@code ip4/ip6.ip}), prefix length dropped. */
    @SuppressWarnings("unchecked")
    static List<String> ips(Map<String, Object> result) {
        List<String> ips = new ArrayList<>();
        if (result.get("ips") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && m.get("address") instanceof String addr) {
                    ips.add(stripPrefix(addr));
                }
            }
        }
        for (String k : List.of("ip4", "ip6")) {
            if (result.get(k) instanceof Map<?, ?> m && m.get("ip") instanceof String addr) {
                ips.add(stripPrefix(addr));
            }
        }
        return ips;
    }

    private static String stripPrefix(String cidr) {
        int slash = cidr.indexOf('/');
        return slash < 0 ? cidr : cidr.substring(0, slash);
    }

    // ---------------------------------------------------------------- cache

    /** What DEL needs to hear again of an attachment: its identity and capability arguments. */
    private static Map<String, Object> describe(Attachment a) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("namespace", a.namespace());
        out.put("name", a.name());
        out.put("uid", a.uid());
        List<Object> ports = new ArrayList<>();
        for (PortMapping pm : a.portMappings()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("hostPort", pm.hostPort());
            m.put("containerPort", pm.containerPort());
            m.put("protocol", pm.protocol());
            m.put("hostIP", pm.hostIp() == null ? "" : pm.hostIp());
            ports.add(m);
        }
        out.put("portMappings", ports);
        out.put("bandwidth", a.bandwidth());
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Attachment attachmentOf(String podId, String netns, Map<?, ?> m) {
        List<PortMapping> ports = new ArrayList<>();
        if (m.get("portMappings") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> pm && pm.get("hostPort") instanceof Number host
                        && pm.get("containerPort") instanceof Number container) {
                    ports.add(new PortMapping(host.intValue(), container.intValue(), String.valueOf(pm.get("protocol")),
                            pm.get("hostIP") instanceof String ip ? ip : ""));
                }
            }
        }
        Map<String, Object> bandwidth = m.get("bandwidth") instanceof Map<?, ?> b ? (Map<String, Object>) b : Map.of();
        return new Attachment(podId, netns, text(m.get("namespace")), text(m.get("name")), text(m.get("uid")), ports,
                Map.of(), bandwidth);
    }

    private static String text(Object o) {
        return o instanceof String s ? s : "";
    }

    private Path cacheFile(String podId) {
        if (podId.isEmpty() || podId.contains("/") || podId.startsWith(".")) {
            throw HakoException.invalidArgument("pod_sandbox_id", "bad id " + podId);
        }
        return cacheDir.resolve(podId);
    }

    private void writeCache(String podId, Map<String, Object> cache) {
        Path file = cacheFile(podId);
        try {
            dev.hako.sys.PrivateFiles.directory(cacheDir); // 0700: pods' addresses, names and netns paths
            Path tmp = cacheDir.resolve("." + podId + ".tmp");
            Files.writeString(tmp, Json.write(cache));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cache the CNI result in " + file, e);
        }
    }

    private Optional<Map<String, Object>> readCache(String podId) {
        Path file = cacheFile(podId);
        try {
            return Optional.of(Json.parseObject(Files.readString(file)));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            LOG.warn("unreadable CNI cache; DEL runs with the current configuration", "file", file, "error", e.toString());
            return Optional.empty();
        }
    }
}
