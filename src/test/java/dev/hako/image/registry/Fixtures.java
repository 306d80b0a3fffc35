package dev.hako.image.registry;

import dev.hako.config.ImageSettings;
import dev.hako.config.RegistryConfig;
import dev.hako.image.spec.ImageReference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Settings and clients for the registry client tests: short timeouts, every host on 127.0.0.1. */
final class Fixtures {
    static final RegistryClient.Timeouts FAST =
            new RegistryClient.Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMillis(20));

    private Fixtures() {}

    static RegistryClient client(RegistryConfig... configs) {
        Map<String, RegistryConfig> byHost = new LinkedHashMap<>();
        for (RegistryConfig c : configs) {
            byHost.put(c.host(), c);
        }
        return new RegistryClient(new ImageSettings(3, byHost), FAST);
    }

    /** Plain HTTP (after the TLS attempt fails) or unverified TLS, no mirrors. */
    static RegistryConfig insecure(String host) {
        return new RegistryConfig(host, List.of(), true, null, true);
    }

    static RegistryConfig withCa(String host, Path caFile) {
        return new RegistryConfig(host, List.of(), false, caFile, true);
    }

    static RegistryConfig mirrored(String host, boolean insecure, boolean fallback, URI... mirrors) {
        return new RegistryConfig(host, List.of(mirrors), insecure, null, fallback);
    }

    static ImageReference ref(String host, String repo, String tag) {
        return ImageReference.parse(host + "/" + repo + ":" + tag, "image");
    }

    static RegistryAuth basic(String user, String password) {
        return new RegistryAuth(user, password, "", "", "");
    }

    static byte[] readAll(BlobStream blob) {
        try (blob) {
            return blob.body().readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
