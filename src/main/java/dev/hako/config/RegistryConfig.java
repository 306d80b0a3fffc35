package dev.hako.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * One {@code [image.registries."HOST"]} table.
 *
 * @param mirrors  base URLs tried in order with the same repository path
 * @param insecure plain HTTP and unverified TLS allowed for the host and its mirrors
 * @param caFile   extra CA bundle for TLS to this host, or null
 * @param fallback after the mirrors, try the host itself
 */
public record RegistryConfig(String host, List<URI> mirrors, boolean insecure, Path caFile, boolean fallback) {
    public RegistryConfig {
        mirrors = List.copyOf(mirrors);
    }
}
