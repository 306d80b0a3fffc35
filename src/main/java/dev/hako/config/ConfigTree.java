package dev.hako.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The effective configuration as a tree keyed exactly like hako.toml, for {@code Status} verbose
 * info and {@code hako info}: what an operator reads back is what they would write.
 */
public final class ConfigTree {
    private ConfigTree() {}

    public static Map<String, Object> of(HakoConfig c) {
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("socket", c.socket().toString());
        top.put("root", c.root().toString());
        top.put("state", c.state().toString());
        top.put("log_level", c.logLevel().label());
        top.put("runtime", runtime(c.runtime()));
        top.put("image", image(c.image()));
        Map<String, Object> network = new LinkedHashMap<>();
        network.put("cni_conf_dir", c.network().cniConfDir().toString());
        network.put("cni_bin_dirs", c.network().cniBinDirs().stream().map(Object::toString).toList());
        top.put("network", network);
        Map<String, Object> stream = new LinkedHashMap<>();
        stream.put("address", c.stream().address());
        stream.put("port", c.stream().port());
        if (c.stream().tls()) {
            stream.put("tls_cert", c.stream().tlsCert().toString());
            stream.put("tls_key", c.stream().tlsKey().toString());
        }
        stream.put("stream_idle_timeout", StreamSettings.formatDuration(c.stream().idleTimeout()));
        stream.put("max_sessions", c.stream().maxSessions());
        stream.put("request_timeout", StreamSettings.formatDuration(c.stream().requestTimeout()));
        stream.put("max_pending_connections", c.stream().maxPendingConnections());
        top.put("stream", stream);
        top.put("metrics", Map.of("address", c.metrics().address()));
        Map<String, Object> tracing = new LinkedHashMap<>();
        tracing.put("endpoint", c.tracing().endpoint());
        tracing.put("sampling_rate_per_million", c.tracing().samplingRatePerMillion());
        top.put("tracing", tracing);
        return top;
    }

    private static Map<String, Object> runtime(RuntimeSettings r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("default_handler", r.defaultHandler());
        out.put("cgroup_driver", r.cgroupDriver().key());
        out.put("conmon", r.conmon().toString());
        out.put("pause_image", r.pauseImage());
        out.put("infra_command", r.infraCommand());
        out.put("pod_log_root", r.podLogRoot().toString());
        Map<String, Object> handlers = new LinkedHashMap<>();
        for (HandlerConfig h : sortedHandlers(r)) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("path", h.path().toString());
            one.put("root", h.root().toString());
            one.put("args", h.args());
            one.put("type", h.type());
            one.put("monitor", h.monitor().toString());
            one.put("privileged_without_host_devices", h.privilegedWithoutHostDevices());
            one.put("allowed_annotations", h.allowedAnnotations());
            one.put("pod_infra", h.podInfra());
            one.put("create_timeout", StreamSettings.formatDuration(h.createTimeout()));
            handlers.put(h.name(), one);
        }
        out.put("handlers", handlers);
        return out;
    }

    private static Map<String, Object> image(ImageSettings i) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("max_concurrent_downloads", i.maxConcurrentDownloads());
        out.put("max_layer_uncompressed_bytes", i.maxLayerUncompressedBytes());
        out.put("download_timeout", StreamSettings.formatDuration(i.downloadTimeout()));
        out.put("download_min_rate", i.downloadMinRate());
        out.put("allow_foreign_platforms", i.allowForeignPlatforms());
        Map<String, Object> registries = new LinkedHashMap<>();
        i.registries().keySet().stream().sorted().forEach(host -> {
            RegistryConfig r = i.registries().get(host);
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("mirrors", r.mirrors().stream().map(Object::toString).toList());
            one.put("insecure", r.insecure());
            one.put("ca_file", r.caFile() == null ? "" : r.caFile().toString());
            one.put("fallback", r.fallback());
            registries.put(host, one);
        });
        out.put("registries", registries);
        return out;
    }

    /** The default handler first, then the others by name: the order Status and info report. */
    public static List<HandlerConfig> sortedHandlers(RuntimeSettings r) {
        return r.handlers().values().stream()
                .sorted((a, b) -> a.name().equals(r.defaultHandler()) ? -1
                        : b.name().equals(r.defaultHandler()) ? 1 : a.name().compareTo(b.name()))
                .toList();
    }
}
