package dev.hako.network;

import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.log.Log;
import dev.hako.sys.FileTrees;
import dev.hako.sys.PrivateFiles;
import dev.hako.sys.Subprocess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs one CNI plugin the way the CNI spec describes: the {@code CNI_*} environment, the plugin's
 * configuration on stdin (with {@code prevResult} and {@code runtimeConfig}), its result or error on
 * stdout. Each call's stdin, stdout and stderr files live in a directory of its own under
 * {@code scratchParent}; a daemon killed mid-call leaves it to the next start.
 */
final class CniPluginRunner {
    private static final Log LOG = Log.of("cni");
    /** Per-call directories for a plugin's stdin, stdout and stderr (dot names: never taken for a pod's cache). */
    private static final String SCRATCH_PREFIX = ".exec-";

    private final CniConfigDir configs;
    private final Path scratchParent;
    private final Duration timeout;

    CniPluginRunner(CniConfigDir configs, Path scratchParent, Duration timeout) {
        this.configs = configs;
        this.scratchParent = scratchParent;
        this.timeout = timeout;
    }

    /** Plugin I/O directories of calls a killed daemon never finished. */
    void removeScratchLeftovers() {
        if (!Files.isDirectory(scratchParent)) {
            return;
        }
        try (Stream<Path> files = Files.list(scratchParent)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith(SCRATCH_PREFIX)).toList()) {
                FileTrees.delete(p);
            }
        } catch (IOException e) {
            LOG.warn("cannot remove leftover CNI plugin files; harmless, they may be deleted by hand", "path", scratchParent,
                    "error", Log.cause(e));
        }
    }

    /**
     * Runs {@code command} (ADD, DEL, CHECK) of one plugin of {@code conf}; returns the result of an ADD
     * that printed one, else null.
     */
    Map<String, Object> run(String command, CniNetConf conf, Map<String, Object> plugin, Cni.Attachment a,
                            String netns, Map<String, Object> prev) {
        String type = (String) plugin.get("type");
        Path binary = configs.findPlugin(type);
        Map<String, Object> stdin = new LinkedHashMap<>(plugin);
        stdin.put("name", conf.name());
        stdin.put("cniVersion", conf.cniVersion());
        if (prev != null) {
            stdin.put("prevResult", prev);
        } else {
            stdin.remove("prevResult");
        }
        Map<String, Object> runtimeConfig = CniCapabilityArgs.runtimeConfig(plugin, a);
        if (!runtimeConfig.isEmpty()) {
            stdin.put("runtimeConfig", runtimeConfig);
        }
        Map<String, String> env = new LinkedHashMap<>(System.getenv());
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", a.podId());
        env.put("CNI_NETNS", netns == null ? "" : netns);
        env.put("CNI_IFNAME", Cni.IFNAME);
        env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + a.namespace() + ";K8S_POD_NAME=" + a.name()
                + ";K8S_POD_INFRA_CONTAINER_ID=" + a.podId() + ";K8S_POD_UID=" + a.uid());
        env.put("CNI_PATH", String.join(":", configs.binDirs().stream().map(Path::toString).toList()));
        env.putIfAbsent("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        String what = "CNI plugin " + type + " " + command + " (network " + conf.name() + ")";
        Subprocess.Outcome o;
        try {
            // posix_spawn: a plugin start on every pod's path costs one exec, not ProcessBuilder's two
            if (!Files.isDirectory(scratchParent)) {
                PrivateFiles.directory(scratchParent);
            }
            Path scratch = Files.createTempDirectory(scratchParent, SCRATCH_PREFIX);
            try {
                o = Subprocess.spawn(List.of(binary.toAbsolutePath().toString()), env,
                        Json.write(stdin).getBytes(StandardCharsets.UTF_8), timeout, scratch);
            } finally {
                FileTrees.delete(scratch);
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

    /** Addresses of a result (0.3.0+ {@code ips[].address}, 0.2.0 {@code ip4/ip6.ip}), prefix length dropped. */
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
}
