package dev.hako.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.log.Level;
import dev.hako.testing.TempDirs;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** hako.toml parsing and validation; every error must name the key (or path) at fault. */
class ConfigLoaderTest {

    @Test
    void emptyFileGivesTheDocumentedDefaults() throws Exception {
        HakoConfig c = ConfigLoader.fromToml("", null);
        assertThat(c.socket()).isEqualTo(Path.of("/run/hako/hako.sock"));
        assertThat(c.root()).isEqualTo(Path.of("/var/lib/hako"));
        assertThat(c.state()).isEqualTo(Path.of("/run/hako"));
        assertThat(c.logLevel()).isEqualTo(Level.INFO);
        assertThat(c.runtime().defaultHandler()).isEqualTo("runc");
        assertThat(c.runtime().cgroupDriver()).isEqualTo(CgroupDriver.CGROUPFS);
        assertThat(c.runtime().conmon()).isEqualTo(Path.of("/usr/bin/conmon"));
        assertThat(c.runtime().pauseImage()).isEqualTo("registry.k8s.io/pause:3.10");
        HandlerConfig runc = c.runtime().handlers().get("runc");
        assertThat(runc.path().getFileName().toString()).isEqualTo("runc");
        assertThat(runc.root()).isEqualTo(Path.of("/run/hako/runc"));
        assertThat(runc.args()).isEmpty();
        assertThat(c.image().maxConcurrentDownloads()).isEqualTo(3);
        assertThat(c.image().registries()).isEmpty();
        assertThat(c.network().cniConfDir()).isEqualTo(Path.of("/etc/cni/net.d"));
        assertThat(c.network().cniBinDirs()).containsExactly(Path.of("/usr/lib/cni"), Path.of("/opt/cni/bin"));
        assertThat(c.stream().address()).isEqualTo("127.0.0.1");
        assertThat(c.stream().port()).isZero();
        assertThat(c.stream().idleTimeout()).isEqualTo(java.time.Duration.ofHours(4));
        assertThat(c.stream().maxSessions()).isEqualTo(100);
        assertThat(c.stream().tls()).isFalse();
        assertThat(c.metrics().enabled()).isFalse();
    }

    @Test
    void theFullExampleFromTheReferenceParses() throws Exception {
        HakoConfig c = ConfigLoader.fromToml("""
                socket = "/run/hako/hako.sock"
                root = "/var/lib/hako"
                state = "/run/hako"
                log_level = "debug"
                [runtime]
                default_handler = "runc"
                cgroup_driver = "systemd"
                conmon = "/usr/bin/conmon"
                pause_image = "registry.k8s.io/pause:3.10"
                [runtime.handlers.runc]
                path = "/usr/sbin/runc"
                root = "/run/hako/runc"
                args = ["--debug"]
                [image]
                max_concurrent_downloads = 5
                [image.registries."docker.io"]
                mirrors = ["https://mirror.example.com", "http://127.0.0.1:5000"]
                insecure = true
                ca_file = ""
                fallback = false
                [network]
                cni_conf_dir = "/etc/cni/net.d"
                cni_bin_dirs = ["/usr/lib/cni"]
                [stream]
                address = "::1"
                port = 10010
                stream_idle_timeout = "1h30m"
                max_sessions = 7
                request_timeout = "5s"
                max_pending_connections = 16
                [metrics]
                address = "127.0.0.1:9090"
                """, null);
        assertThat(c.logLevel()).isEqualTo(Level.DEBUG);
        assertThat(c.runtime().cgroupDriver()).isEqualTo(CgroupDriver.SYSTEMD);
        assertThat(c.runtime().handlers().get("runc").args()).containsExactly("--debug");
        RegistryConfig hub = c.image().registries().get("docker.io");
        assertThat(hub.mirrors()).containsExactly(URI.create("https://mirror.example.com"), URI.create("http://127.0.0.1:5000"));
        assertThat(hub.insecure()).isTrue();
        assertThat(hub.caFile()).isNull();
        assertThat(hub.fallback()).isFalse();
        assertThat(c.image().maxConcurrentDownloads()).isEqualTo(5);
        assertThat(c.stream().port()).isEqualTo(10010);
        assertThat(c.stream().idleTimeout()).isEqualTo(java.time.Duration.ofMinutes(90));
        assertThat(c.stream().maxSessions()).isEqualTo(7);
        assertThat(c.stream().requestTimeout()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(c.stream().maxPendingConnections()).isEqualTo(16);
        assertThat(c.metrics().address()).isEqualTo("127.0.0.1:9090");
    }

    @Test
    void imageDownloadBoundsAndThePlatformCheckAreConfigurable() throws Exception {
        ImageSettings defaults = ConfigLoader.fromToml("", null).image();
        assertThat(defaults.maxLayerUncompressedBytes()).isEqualTo(64L << 30);
        assertThat(defaults.downloadTimeout()).isEqualTo(java.time.Duration.ofMinutes(10));
        assertThat(defaults.downloadMinRate()).isEqualTo(32768);
        assertThat(defaults.allowForeignPlatforms()).isFalse();
        // 10 min, plus 1 s per 32 KiB: a 1 GiB layer may take 10m + 32768 s
        assertThat(defaults.blobDeadline(1L << 30)).isEqualTo(java.time.Duration.ofSeconds(600 + 32768));
        ImageSettings set = ConfigLoader.fromToml("""
                [image]
                max_layer_uncompressed_bytes = 1048576
                download_timeout = "90s"
                download_min_rate = 1024
                allow_foreign_platforms = true
                """, null).image();
        assertThat(set.maxLayerUncompressedBytes()).isEqualTo(1 << 20);
        assertThat(set.blobDeadline(10 * 1024)).isEqualTo(java.time.Duration.ofSeconds(100));
        assertThat(set.allowForeignPlatforms()).isTrue();
        assertError("[image]\nmax_layer_uncompressed_bytes = 0",
                "image.max_layer_uncompressed_bytes (line 2): 0 is not a positive number of bytes");
        assertError("[image]\ndownload_timeout = \"soon\"", "image.download_timeout (line 2): \"soon\" is not a duration");
        assertError("[image]\ndownload_min_rate = -1",
                "image.download_min_rate (line 2): -1 is not a positive number of bytes per second");
    }

    @Test
    void handlerRootDefaultsUnderTheStateDirectory() throws Exception {
        HakoConfig c = ConfigLoader.fromToml("""
                state = "/tmp/hako-state"
                [runtime.handlers.runc]
                path = "/usr/sbin/runc"
                """, null);
        assertThat(c.runtime().handlers().get("runc").root()).isEqualTo(Path.of("/tmp/hako-state/runc"));
    }

    @Test
    void unknownKeysAreNamedWithTheirFullPathAndLine() {
        assertError("sokcet = \"/x\"", "sokcet (line 1): unknown key");
        assertError("[runtime]\ncgroup = \"systemd\"", "runtime.cgroup (line 2): unknown key");
        assertError("[runtime.handlers.runc]\npath = \"/usr/sbin/runc\"\nbinary = \"x\"",
                "runtime.handlers.runc.binary (line 3): unknown key");
        assertError("[image.registries.\"docker.io\"]\nmirror = []", "image.registries.\"docker.io\".mirror (line 2): unknown key");
        assertError("[colour]\nx = 1", "colour (line 1): unknown key");
    }

    @Test
    void wrongTypesAreNamed() {
        assertError("socket = 5", "socket (line 1): expected a string, got an integer");
        assertError("[image]\nmax_concurrent_downloads = \"3\"",
                "image.max_concurrent_downloads (line 2): expected an integer, got a string");
        assertError("[image.registries.\"r.example\"]\ninsecure = \"yes\"",
                "image.registries.\"r.example\".insecure (line 2): expected a boolean");
        assertError("[runtime.handlers.runc]\npath = \"/usr/sbin/runc\"\nargs = [1]",
                "runtime.handlers.runc.args (line 3): expected an array of strings, but element 0 is an integer");
        assertError("runtime = \"runc\"", "runtime (line 1): expected a table, got a string");
    }

    @Test
    void badValuesAreNamed() {
        assertError("log_level = \"loud\"", "log_level (line 1): \"loud\" is not one of error, warn, info, debug, trace");
        assertError("[runtime]\ncgroup_driver = \"cgroupv2\"", "runtime.cgroup_driver (line 2): \"cgroupv2\" is not one of cgroupfs, systemd");
        assertError("root = \"var/lib/hako\"", "root (line 1): \"var/lib/hako\" is not an absolute path");
        assertError("socket = \"/" + "s".repeat(120) + "\"", "socket (line 1): ");
        assertError("[image]\nmax_concurrent_downloads = 0", "image.max_concurrent_downloads (line 2): 0 is outside 1..64");
        assertError("[image.registries.\"docker.io\"]\nmirrors = [\"mirror.example.com\"]",
                "image.registries.\"docker.io\".mirrors (line 2): element 0 \"mirror.example.com\" is not an http:// or https:// URL");
        assertError("[stream]\naddress = \"localhost\"", "stream.address (line 2): \"localhost\" is not an IP address");
        assertError("[stream]\nport = 70000", "stream.port (line 2): 70000 is outside 0..65535");
        assertError("[stream]\nstream_idle_timeout = \"4 hours\"", "stream.stream_idle_timeout (line 2): \"4 hours\" is not a duration");
        assertError("[stream]\nstream_idle_timeout = \"0s\"", "stream.stream_idle_timeout (line 2): \"0s\" must be longer than zero");
        assertError("[stream]\nmax_sessions = 0", "stream.max_sessions (line 2): 0 is outside 1..100000");
        assertError("[stream]\nrequest_timeout = \"never\"", "stream.request_timeout (line 2): \"never\" is not a duration");
        assertError("[stream]\nmax_pending_connections = 0", "stream.max_pending_connections (line 2): 0 is outside 1..100000");
        assertError("[stream]\ntls_cert = \"/etc/hostname\"", "stream.tls_key");
        assertError("[stream]\ntls_cert = \"/nonexistent.pem\"\ntls_key = \"/nonexistent.key\"",
                "stream.tls_cert (line 2): \"/nonexistent.pem\" is not a readable file");
        assertError("[metrics]\naddress = \"9090\"", "metrics.address (line 2): \"9090\" is not host:port");
        assertError("[metrics]\naddress = \":0\"", "metrics.address (line 2): \":0\" is not host:port");
        assertError("[metrics]\naddress = \"localhost:http\"", "metrics.address (line 2): \"localhost:http\" is not host:port");
        assertError("[runtime.handlers.Runc_1]\npath = \"/usr/sbin/runc\"", "runtime.handlers.Runc_1: handler names must be DNS-1123 labels");
    }

    @Test
    void missingOrUnusableBinariesAreNamedWithTheirPath() throws Exception {
        assertError("[runtime.handlers.runc]\npath = \"/nonexistent/runc\"",
                "runtime.handlers.runc.path (line 2): /nonexistent/runc does not exist");
        Path dir = TempDirs.create("hako-cfg");
        try {
            Path notExec = Files.writeString(dir.resolve("runc"), "#!/bin/sh\n");
            Files.setPosixFilePermissions(notExec, PosixFilePermissions.fromString("rw-r--r--"));
            assertError("[runtime.handlers.runc]\npath = \"" + notExec + "\"",
                    "runtime.handlers.runc.path (line 2): " + notExec + " is not an executable file");
            assertError("[runtime]\nconmon = \"" + dir + "\"", "runtime.conmon (line 2): " + dir + " is not an executable file");
        } finally {
            TempDirs.delete(dir);
        }
        assertError("[runtime.handlers.nosuchruntime]", "runtime.handlers.nosuchruntime.path: not set, and no executable named nosuchruntime");
        assertError("[image.registries.\"docker.io\"]\nca_file = \"/nonexistent/ca.pem\"",
                "image.registries.\"docker.io\".ca_file (line 2): /nonexistent/ca.pem does not exist or is not a readable file");
    }

    @Test
    void theDefaultHandlerMustBeConfigured() {
        assertError("[runtime]\ndefault_handler = \"nosuch\"",
                "runtime.default_handler (line 2): \"nosuch\" is not a configured handler (configured: runc");
    }

    @Test
    void aHandlersTableReplacesTheBuiltInList() throws Exception {
        HakoConfig c = ConfigLoader.fromToml("""
                [runtime]
                default_handler = "fast"
                [runtime.handlers.fast]
                path = "/usr/sbin/runc"
                """, null);
        assertThat(c.runtime().handlers().keySet()).containsExactly("fast");
    }

    @Test
    void syntaxErrorsGivePositionAndFile() {
        assertThatThrownBy(() -> ConfigLoader.fromToml("socket = ", Path.of("/etc/hako/hako.toml")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("/etc/hako/hako.toml:1:")
                .hasMessageContaining("invalid TOML");
    }

    @Test
    void anExplicitConfigFileMustExist() {
        assertThatThrownBy(() -> ConfigLoader.load(Path.of("/nonexistent/hako.toml")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("/nonexistent/hako.toml: config file does not exist");
    }

    @Test
    void configTreeUsesTheTomlKeyNames() throws Exception {
        HakoConfig c = ConfigLoader.fromToml("[image.registries.\"127.0.0.1:5000\"]\ninsecure = true", null);
        assertThat(ConfigTree.of(c).keySet())
                .containsExactly("socket", "root", "state", "log_level", "runtime", "image", "network", "stream", "metrics",
                        "tracing");
        assertThat(dev.hako.json.Json.write(ConfigTree.of(c)))
                .contains("\"registries\":{\"127.0.0.1:5000\":{\"mirrors\":[],\"insecure\":true,\"ca_file\":\"\",\"fallback\":true}}");
    }

    @Test
    void builtInHandlersAddCrunAndRunscWhereTheirBinariesExist() throws Exception {
        HakoConfig c = ConfigLoader.fromToml("", null);
        assertThat(c.runtime().handlers()).containsKey("runc");
        for (String name : ConfigLoader.OPTIONAL_BUILTIN_HANDLERS) {
            Path found = ConfigLoader.searchBinary(name);
            if (found == null) {
                assertThat(c.runtime().handlers()).doesNotContainKey(name);
            } else {
                HandlerConfig h = c.runtime().handlers().get(name);
                assertThat(h.path()).isEqualTo(found);
                assertThat(h.root()).isEqualTo(Path.of("/run/hako", name));
                assertThat(h.args()).isEqualTo(name.equals("runsc") ? java.util.List.of("--platform=ptrace", "--network=host") : java.util.List.of());
                assertThat(h.monitor()).isEqualTo(c.runtime().conmon());
            }
        }
        HandlerConfig runc = c.runtime().handlers().get("runc");
        assertThat(runc.type()).isEqualTo("oci");
        assertThat(runc.monitor()).isEqualTo(Path.of("/usr/bin/conmon"));
        assertThat(runc.privilegedWithoutHostDevices()).isFalse();
        assertThat(runc.allowedAnnotations()).isEmpty();
        assertThat(runc.podInfra()).isEqualTo("auto");
        assertThat(dev.hako.json.Json.write(ConfigTree.of(c)))
                .contains("\"runc\":{\"path\":")
                .contains("\"type\":\"oci\",\"monitor\":\"/usr/bin/conmon\",\"privileged_without_host_devices\":false,"
                        + "\"allowed_annotations\":[],\"pod_infra\":\"auto\",\"create_timeout\":\"4m\"}");
    }

    @Test
    void handlerKeysBeyondPathRootAndArgs() throws Exception {
        HakoConfig c = ConfigLoader.fromToml("""
                [runtime]
                default_handler = "runc"
                [runtime.handlers.runc]
                path = "/usr/sbin/runc"
                type = "oci"
                monitor = "/usr/bin/conmon"
                privileged_without_host_devices = true
                allowed_annotations = ["io.kubernetes.cri.rdt-class", "dev.hako.test/*"]
                pod_infra = "always"
                create_timeout = "45s"
                """, null);
        HandlerConfig h = c.runtime().handlers().get("runc");
        assertThat(h.createTimeout()).isEqualTo(java.time.Duration.ofSeconds(45));
        assertThat(h.privilegedWithoutHostDevices()).isTrue();
        assertThat(h.allowedAnnotations()).containsExactly("io.kubernetes.cri.rdt-class", "dev.hako.test/*");
        assertThat(h.allowsAnnotation("io.kubernetes.cri.rdt-class")).isTrue();
        assertThat(h.allowsAnnotation("dev.hako.test/x")).isTrue();
        assertThat(h.allowsAnnotation("io.kubernetes.cri.rdt")).isFalse();
        assertThat(h.podInfra()).isEqualTo("always");
        assertThat(dev.hako.json.Json.write(ConfigTree.of(c)))
                .contains("\"allowed_annotations\":[\"io.kubernetes.cri.rdt-class\",\"dev.hako.test/*\"],\"pod_infra\":\"always\"");
    }

    @Test
    void badHandlerKeysAreNamed() {
        String head = "[runtime.handlers.runc]\npath = \"/usr/sbin/runc\"\n";
        assertError(head + "type = \"vm\"", "runtime.handlers.runc.type (line 3): \"vm\" is not a supported handler type");
        assertError(head + "monitor = \"/nonexistent/conmon\"", "runtime.handlers.runc.monitor (line 3): /nonexistent/conmon does not exist");
        assertError(head + "monitor = \"/tmp\"", "runtime.handlers.runc.monitor (line 3): /tmp is not an executable file");
        assertError(head + "privileged_without_host_devices = \"yes\"", "runtime.handlers.runc.privileged_without_host_devices (line 3):");
        assertError(head + "allowed_annotations = [\"*\"]", "runtime.handlers.runc.allowed_annotations (line 3): \"*\" is not");
        assertError(head + "allowed_annotations = \"a\"", "runtime.handlers.runc.allowed_annotations (line 3):");
        assertError(head + "pod_infra = \"never\"", "runtime.handlers.runc.pod_infra (line 3): \"never\" is not one of auto, always");
        assertError(head + "platform = \"kvm\"", "runtime.handlers.runc.platform (line 3)");
        assertError(head + "create_timeout = \"soon\"", "runtime.handlers.runc.create_timeout (line 3): \"soon\" is not a duration");
        assertError(head + "create_timeout = \"500ms\"", "runtime.handlers.runc.create_timeout (line 3): \"500ms\" is shorter than 1s");
    }

    @Test
    void streamTlsFilesAndLimits() throws Exception {
        Path dir = TempDirs.create("hako-cfg");
        try {
            Path cert = Files.writeString(dir.resolve("stream.crt"), "cert");
            Path key = Files.writeString(dir.resolve("stream.key"), "key");
            HakoConfig c = ConfigLoader.fromToml("[stream]\ntls_cert = \"" + cert + "\"\ntls_key = \"" + key
                    + "\"\nstream_idle_timeout = \"90s\"\nmax_sessions = 3", null);
            assertThat(c.stream().tls()).isTrue();
            assertThat(c.stream().tlsCert()).isEqualTo(cert);
            assertThat(c.stream().tlsKey()).isEqualTo(key);
            assertThat(c.stream().idleTimeout()).isEqualTo(java.time.Duration.ofSeconds(90));
            assertThat(dev.hako.json.Json.write(ConfigTree.of(c)))
                    .contains("\"stream_idle_timeout\":\"1m30s\",\"max_sessions\":3")
                    .contains("\"tls_key\":\"" + key + "\"");
            assertError("[stream]\ntls_key = \"" + key + "\"", "stream.tls_cert: tls_cert and tls_key must be set together");
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void metricsAddressGivesHostAndPortWithLoopbackForAPortAlone() throws Exception {
        MetricsSettings both = ConfigLoader.fromToml("[metrics]\naddress = \"0.0.0.0:9100\"", null).metrics();
        assertThat(both.host()).isEqualTo("0.0.0.0");
        assertThat(both.port()).isEqualTo(9100);
        MetricsSettings portOnly = ConfigLoader.fromToml("[metrics]\naddress = \":9090\"", null).metrics();
        assertThat(portOnly.enabled()).isTrue();
        assertThat(portOnly.host()).isEqualTo("127.0.0.1");
        assertThat(portOnly.port()).isEqualTo(9090);
        assertThat(ConfigLoader.fromToml("[metrics]\naddress = \"[::1]:9090\"", null).metrics().host()).isEqualTo("::1");
    }

    @Test
    void tracingIsOffByDefaultAndTakesAnOtlpHttpBaseUrl() throws Exception {
        TracingSettings off = ConfigLoader.fromToml("", null).tracing();
        assertThat(off.enabled()).isFalse();
        assertThat(off.samplingRatePerMillion()).isEqualTo(1_000_000);
        TracingSettings on = ConfigLoader.fromToml(
                "[tracing]\nendpoint = \"http://127.0.0.1:4318/\"\nsampling_rate_per_million = 250000", null).tracing();
        assertThat(on.enabled()).isTrue();
        assertThat(on.tracesUrl()).isEqualTo("http://127.0.0.1:4318/v1/traces");
        assertThat(on.samplingRatePerMillion()).isEqualTo(250_000);
        assertError("[tracing]\nendpoint = \"127.0.0.1:4317\"",
                "tracing.endpoint (line 2): \"127.0.0.1:4317\" is not an OTLP/HTTP base URL");
        assertError("[tracing]\nsampling_rate_per_million = 2000000",
                "tracing.sampling_rate_per_million (line 2): 2000000 is outside 0..1000000");
        assertError("[tracing]\nenable_tracing = true", "tracing.enable_tracing");
    }

    private static void assertError(String toml, String expectedStart) {
        assertThatThrownBy(() -> ConfigLoader.fromToml(toml, null))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(expectedStart);
    }

}
