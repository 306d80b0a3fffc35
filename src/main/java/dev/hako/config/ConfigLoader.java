package dev.hako.config;

import dev.hako.log.Level;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseResult;

/**
 * Reads hako.toml over the built-in defaults and validates it completely before the daemon starts:
 * an unknown key, a wrong type, a bad value or a missing binary is a {@link ConfigException} that
 * names the key (and its line) or the path at fault.
 */
public final class ConfigLoader {
    static final String DEFAULT_SOCKET = "/run/hako/hako.sock";
    static final String DEFAULT_ROOT = "/var/lib/hako";
    static final String DEFAULT_STATE = "/run/hako";
    static final String DEFAULT_HANDLER = "runc";
    static final String DEFAULT_CONMON = "/usr/bin/conmon";
    static final String DEFAULT_PAUSE_IMAGE = "registry.k8s.io/pause:3.10";
    /** Where the kubelet keeps pod logs (its {@code podLogsDirectory}). */
    static final String DEFAULT_POD_LOG_ROOT = "/var/log/pods";
    /** catatonit's pause mode: a static binary from Debian's catatonit package that sleeps and reaps. */
    static final List<String> DEFAULT_INFRA_COMMAND = List.of("/usr/bin/catatonit", "-P");
    /** Where a handler's binary is looked for when its table gives no {@code path}. */
    static final List<String> BINARY_SEARCH_PATH =
            List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");
    /** RuntimeClass handlers must be DNS-1123 labels; the kubelet passes them verbatim. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** sun_path is 108 bytes including the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;

    private ConfigLoader() {}

    /**
     * Loads {@code explicit} when given (it must exist), else {@link HakoConfig#DEFAULT_FILE} when it
     * exists, else the built-in defaults.
     */
    public static HakoConfig load(Path explicit) throws ConfigException {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) {
                throw new ConfigException(explicit + ": config file does not exist");
            }
            return parse(explicit);
        }
        return Files.isRegularFile(HakoConfig.DEFAULT_FILE) ? parse(HakoConfig.DEFAULT_FILE) : fromToml("", null);
    }

    public static HakoConfig parse(Path file) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read config file: " + e.getMessage());
        }
        return fromToml(text, file);
    }

    /** Parses TOML text; {@code origin} only labels syntax errors. */
    public static HakoConfig fromToml(String text, Path origin) throws ConfigException {
        TomlParseResult toml = Toml.parse(text);
        if (toml.hasErrors()) {
            TomlParseError e = toml.errors().getFirst();
            String where = origin == null ? "config" : origin.toString();
            throw new ConfigException(where + ":" + e.position().line() + ":" + e.position().column()
                    + ": invalid TOML: " + e.getMessage());
        }
        TomlSection top = new TomlSection(toml, "");
        Path socket = absolutePath(top, "socket", DEFAULT_SOCKET);
        if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw top.error("socket", socket + " is longer than the " + MAX_SOCKET_PATH + " bytes a unix socket path may have");
        }
        Path root = absolutePath(top, "root", DEFAULT_ROOT);
        Path state = absolutePath(top, "state", DEFAULT_STATE);
        Level logLevel = logLevel(top);
        RuntimeSettings runtime = runtime(top.section("runtime"), state);
        ImageSettings image = image(top.section("image"));
        NetworkSettings network = network(top.section("network"));
        StreamSettings stream = stream(top.section("stream"));
        MetricsSettings metrics = metrics(top.section("metrics"));
        TracingSettings tracing = tracing(top.section("tracing"));
        top.rejectUnknown();
        return new HakoConfig(socket, root, state, logLevel, runtime, image, network, stream, metrics, tracing);
    }

    private static Level logLevel(TomlSection top) throws ConfigException {
        String name = top.string("log_level", "info");
        Level level = Level.parse(name);
        if (level == null) {
            throw top.error("log_level", "\"" + name + "\" is not one of " + Level.names());
        }
        return level;
    }

    private static RuntimeSettings runtime(TomlSection s, Path state) throws ConfigException {
        String defaultHandler = s.string("default_handler", DEFAULT_HANDLER);
        String driverName = s.string("cgroup_driver", CgroupDriver.CGROUPFS.key());
        CgroupDriver driver = null;
        for (CgroupDriver d : CgroupDriver.values()) {
            if (d.key().equals(driverName)) {
                driver = d;
            }
        }
        if (driver == null) {
            throw s.error("cgroup_driver", "\"" + driverName + "\" is not one of cgroupfs, systemd");
        }
        Path conmon = absolutePath(s, "conmon", DEFAULT_CONMON);
        requireExecutable(s, "conmon", conmon);
        String pauseImage = s.string("pause_image", DEFAULT_PAUSE_IMAGE);
        if (pauseImage.isBlank()) {
            throw s.error("pause_image", "must name an image");
        }
        List<String> infraCommand = s.strings("infra_command", DEFAULT_INFRA_COMMAND);
        if (infraCommand.isEmpty() || !infraCommand.getFirst().startsWith("/")) {
            throw s.error("infra_command", "must start with the absolute path of a static binary");
        }
        Path podLogRoot = absolutePath(s, "pod_log_root", DEFAULT_POD_LOG_ROOT);
        Map<String, HandlerConfig> handlers = handlers(s.section("handlers"), state, conmon);
        s.rejectUnknown();
        if (!handlers.containsKey(defaultHandler)) {
            throw s.error("default_handler", "\"" + defaultHandler + "\" is not a configured handler (configured: "
                    + String.join(", ", handlers.keySet()) + ")");
        }
        return new RuntimeSettings(defaultHandler, driver, conmon, pauseImage, infraCommand, Map.copyOf(handlers),
                podLogRoot);
    }

    /** Built-in handlers besides runc, configured only where their binary is found. */
    static final List<String> OPTIONAL_BUILTIN_HANDLERS = List.of("crun", "runsc");

    /**
     * Without a {@code [runtime.handlers]} table the built-in {@code runc} handler applies, plus
     * {@code crun} and {@code runsc} where their binaries exist (runsc on the ptrace platform); with
     * one, the file's list is complete, so a node without runc can run crun alone.
     */
    private static Map<String, HandlerConfig> handlers(TomlSection s, Path state, Path conmon) throws ConfigException {
        Map<String, HandlerConfig> out = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(s.keys());
        if (names.isEmpty()) {
            HandlerConfig runc = handler(s.section(DEFAULT_HANDLER), DEFAULT_HANDLER, state, conmon, List.of());
            out.put(DEFAULT_HANDLER, runc);
            for (String name : OPTIONAL_BUILTIN_HANDLERS) {
                Path path = searchBinary(name);
                if (path != null) {
                    out.put(name, name.equals("runsc") ? builtinRunsc(path, state, conmon)
                            : new HandlerConfig(name, path, state.resolve(name), List.of(), conmon));
                }
            }
            return out;
        }
        for (String name : names) {
            out.put(name, handler(s.section(name), name, state, conmon, List.of()));
        }
        return out;
    }

    /**
     * gVisor as Debian ships it (release 2022-12): the ptrace platform, because KVM spins on these
     * hosts, and {@code --network=host}, because that release's netstack refuses to start on kernels
     * that show {@code net.core.rmem_default} in every network namespace (6.11 and later; gVisor issue
     * 10704). With it the sandbox's sockets are host sockets inside the pod's own network namespace.
     * A sandbox runtime needs an infra container to be the sandbox's first container.
     */
    static HandlerConfig builtinRunsc(Path path, Path state, Path conmon) {
        return new HandlerConfig("runsc", path, state.resolve("runsc"), List.of("--platform=ptrace", "--network=host"),
                HandlerConfig.TYPE_OCI, conmon, false, List.of(), HandlerConfig.POD_INFRA_ALWAYS);
    }

    private static HandlerConfig handler(TomlSection h, String name, Path state, Path conmon, List<String> defaultArgs)
            throws ConfigException {
        if (!DNS_LABEL.matcher(name).matches()) {
            throw new ConfigException(h.path() + ": handler names must be DNS-1123 labels"
                    + " (lower-case letters, digits and '-', at most 63), as RuntimeClass requires");
        }
        String type = h.string("type", HandlerConfig.TYPE_OCI);
        if (!type.equals(HandlerConfig.TYPE_OCI)) {
            throw h.error("type", "\"" + type + "\" is not a supported handler type (only \"oci\")");
        }
        Path path = h.has("path") ? absolutePath(h, "path", null) : findBinary(h, name);
        requireExecutable(h, "path", path);
        Path root = absolutePath(h, "root", state.resolve(name).toString());
        List<String> args = h.strings("args", defaultArgs);
        Path monitor = absolutePath(h, "monitor", conmon.toString());
        requireExecutable(h, "monitor", monitor);
        boolean privilegedWithoutHostDevices = h.bool("privileged_without_host_devices", false);
        List<String> allowed = h.strings("allowed_annotations", List.of());
        for (String a : allowed) {
            String key = a.endsWith("*") ? a.substring(0, a.length() - 1) : a;
            if (key.isEmpty() || key.contains("*")) {
                throw h.error("allowed_annotations", "\"" + a + "\" is not an annotation key or a prefix ending in *");
            }
        }
        String podInfra = h.string("pod_infra", HandlerConfig.POD_INFRA_AUTO);
        if (!podInfra.equals(HandlerConfig.POD_INFRA_AUTO) && !podInfra.equals(HandlerConfig.POD_INFRA_ALWAYS)) {
            throw h.error("pod_infra", "\"" + podInfra + "\" is not one of auto, always");
        }
        String create = h.string("create_timeout", "240s");
        Duration createTimeout;
        try {
            createTimeout = StreamSettings.parseDuration(create);
        } catch (IllegalArgumentException e) {
            throw h.error("create_timeout", "\"" + create + "\" " + e.getMessage());
        }
        if (createTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw h.error("create_timeout", "\"" + create + "\" is shorter than 1s");
        }
        h.rejectUnknown();
        return new HandlerConfig(name, path, root, args, type, monitor, privilegedWithoutHostDevices, allowed, podInfra,
                createTimeout);
    }

    /** The executable named {@code name} in {@link #BINARY_SEARCH_PATH}, or null. */
    static Path searchBinary(String name) {
        for (String dir : BINARY_SEARCH_PATH) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate) && Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static Path findBinary(TomlSection h, String name) throws ConfigException {
        Path found = searchBinary(name);
        if (found != null) {
            return found;
        }
        throw new ConfigException(h.keyPath("path") + ": not set, and no executable named " + name + " in "
                + String.join(":", BINARY_SEARCH_PATH));
    }

    private static ImageSettings image(TomlSection s) throws ConfigException {
        long downloads = s.integer("max_concurrent_downloads", 3);
        if (downloads < 1 || downloads > 64) {
            throw s.error("max_concurrent_downloads", downloads + " is outside 1..64");
        }
        TomlSection registries = s.section("registries");
        Map<String, RegistryConfig> byHost = new LinkedHashMap<>();
        for (String host : registries.keys()) {
            byHost.put(host, registry(registries.section(host), host));
        }
        registries.rejectUnknown();
        long maxLayer = s.integer("max_layer_uncompressed_bytes", ImageSettings.DEFAULT_MAX_LAYER_UNCOMPRESSED_BYTES);
        if (maxLayer < 1) {
            throw s.error("max_layer_uncompressed_bytes", maxLayer + " is not a positive number of bytes");
        }
        String timeoutText = s.string("download_timeout", StreamSettings.formatDuration(ImageSettings.DEFAULT_DOWNLOAD_TIMEOUT));
        Duration timeout;
        try {
            timeout = StreamSettings.parseDuration(timeoutText);
        } catch (IllegalArgumentException e) {
            throw s.error("download_timeout", "\"" + timeoutText + "\" " + e.getMessage());
        }
        long minRate = s.integer("download_min_rate", ImageSettings.DEFAULT_DOWNLOAD_MIN_RATE);
        if (minRate < 1) {
            throw s.error("download_min_rate", minRate + " is not a positive number of bytes per second");
        }
        boolean foreign = s.bool("allow_foreign_platforms", false);
        s.rejectUnknown();
        return new ImageSettings((int) downloads, Map.copyOf(byHost), maxLayer, timeout, minRate, foreign);
    }

    private static RegistryConfig registry(TomlSection r, String host) throws ConfigException {
        if (host.isEmpty() || host.contains("/") || host.contains("://")) {
            throw new ConfigException(r.path() + ": the table name must be a registry host[:port], without scheme or path");
        }
        List<URI> mirrors = new ArrayList<>();
        List<String> raw = r.strings("mirrors", List.of());
        for (int i = 0; i < raw.size(); i++) {
            mirrors.add(mirrorUri(r, raw.get(i), i));
        }
        boolean insecure = r.bool("insecure", false);
        String ca = r.string("ca_file", "");
        Path caFile = null;
        if (!ca.isEmpty()) {
            caFile = absolutePath(r, "ca_file", null);
            if (!Files.isRegularFile(caFile) || !Files.isReadable(caFile)) {
                throw r.error("ca_file", caFile + " does not exist or is not a readable file");
            }
        }
        boolean fallback = r.bool("fallback", true);
        r.rejectUnknown();
        return new RegistryConfig(host, mirrors, insecure, caFile, fallback);
    }

    private static URI mirrorUri(TomlSection r, String value, int index) throws ConfigException {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme();
            if (("http".equals(scheme) || "https".equals(scheme)) && uri.getHost() != null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below with the same message as any other malformed mirror
        }
        throw r.error("mirrors", "element " + index + " \"" + value + "\" is not an http:// or https:// URL with a host");
    }

    private static NetworkSettings network(TomlSection s) throws ConfigException {
        Path confDir = absolutePath(s, "cni_conf_dir", "/etc/cni/net.d");
        List<Path> binDirs = new ArrayList<>();
        for (String dir : s.strings("cni_bin_dirs", List.of("/usr/lib/cni", "/opt/cni/bin"))) {
            Path p = Path.of(dir);
            if (!p.isAbsolute()) {
                throw s.error("cni_bin_dirs", "\"" + dir + "\" is not an absolute path");
            }
            binDirs.add(p);
        }
        s.rejectUnknown();
        return new NetworkSettings(confDir, binDirs);
    }

    private static StreamSettings stream(TomlSection s) throws ConfigException {
        String address = s.string("address", "127.0.0.1");
        try {
            InetAddress.ofLiteral(address);
        } catch (IllegalArgumentException e) {
            throw s.error("address", "\"" + address + "\" is not an IP address");
        }
        long port = s.integer("port", 0);
        if (port < 0 || port > 65535) {
            throw s.error("port", port + " is outside 0..65535");
        }
        String cert = s.string("tls_cert", "");
        String key = s.string("tls_key", "");
        if (cert.isEmpty() != key.isEmpty()) {
            throw s.error(cert.isEmpty() ? "tls_cert" : "tls_key", "tls_cert and tls_key must be set together");
        }
        Path certFile = cert.isEmpty() ? null : readableFile(s, "tls_cert", cert);
        Path keyFile = key.isEmpty() ? null : readableFile(s, "tls_key", key);
        String idle = s.string("stream_idle_timeout", "4h");
        Duration idleTimeout;
        try {
            idleTimeout = StreamSettings.parseDuration(idle);
        } catch (IllegalArgumentException e) {
            throw s.error("stream_idle_timeout", "\"" + idle + "\" " + e.getMessage());
        }
        long maxSessions = s.integer("max_sessions", 100);
        if (maxSessions < 1 || maxSessions > 100_000) {
            throw s.error("max_sessions", maxSessions + " is outside 1..100000");
        }
        String request = s.string("request_timeout", "10s");
        Duration requestTimeout;
        try {
            requestTimeout = StreamSettings.parseDuration(request);
        } catch (IllegalArgumentException e) {
            throw s.error("request_timeout", "\"" + request + "\" " + e.getMessage());
        }
        long maxPending = s.integer("max_pending_connections", StreamSettings.DEFAULT_MAX_PENDING_CONNECTIONS);
        if (maxPending < 1 || maxPending > 100_000) {
            throw s.error("max_pending_connections", maxPending + " is outside 1..100000");
        }
        s.rejectUnknown();
        return new StreamSettings(address, (int) port, certFile, keyFile, idleTimeout, (int) maxSessions, requestTimeout,
                (int) maxPending);
    }

    private static Path readableFile(TomlSection s, String key, String value) throws ConfigException {
        Path p = Path.of(value);
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw s.error(key, "\"" + value + "\" is not a readable file");
        }
        return p;
    }

    private static MetricsSettings metrics(TomlSection s) throws ConfigException {
        String address = s.string("address", "");
        if (!address.isEmpty()) {
            int colon = address.lastIndexOf(':');
            int port = -1;
            if (colon >= 0) { // ":9090" is the loopback address
                try {
                    port = Integer.parseInt(address.substring(colon + 1));
                } catch (NumberFormatException e) {
                    port = -1;
                }
            }
            if (port < 1 || port > 65535) {
                throw s.error("address", "\"" + address + "\" is not host:port (e.g. 127.0.0.1:9090, or :9090 for 127.0.0.1)");
            }
        }
        s.rejectUnknown();
        return new MetricsSettings(address);
    }

    /** {@code endpoint} must be an http(s) URL with a host: a typo must not silently turn tracing into a no-op. */
    private static TracingSettings tracing(TomlSection s) throws ConfigException {
        String endpoint = s.string("endpoint", "");
        if (!endpoint.isEmpty()) {
            URI uri;
            try {
                uri = new URI(endpoint);
            } catch (URISyntaxException e) {
                uri = null;
            }
            if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                    || uri.getQuery() != null || uri.getFragment() != null) {
                throw s.error("endpoint", "\"" + endpoint + "\" is not an OTLP/HTTP base URL (e.g. http://127.0.0.1:4318)");
            }
        }
        long rate = s.integer("sampling_rate_per_million", TracingSettings.ALL);
        if (rate < 0 || rate > TracingSettings.ALL) {
            throw s.error("sampling_rate_per_million", rate + " is outside 0..1000000");
        }
        s.rejectUnknown();
        return new TracingSettings(endpoint, rate);
    }

    private static Path absolutePath(TomlSection s, String key, String def) throws ConfigException {
        String value = s.string(key, def);
        if (value == null || value.isEmpty()) {
            throw s.error(key, "must be an absolute path");
        }
        Path p = Path.of(value);
        if (!p.isAbsolute()) {
            throw s.error(key, "\"" + value + "\" is not an absolute path");
        }
        return p.normalize();
    }

    private static void requireExecutable(TomlSection s, String key, Path p) throws ConfigException {
        if (!Files.exists(p)) {
            throw s.error(key, p + " does not exist");
        }
        if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
            throw s.error(key, p + " is not an executable file");
        }
    }
}
