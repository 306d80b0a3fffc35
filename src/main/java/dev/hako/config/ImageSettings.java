package dev.hako.config;

import java.util.Map;

/** The {@code [image]} table; registries are keyed by host name (with port, if any). */
public record ImageSettings(int maxConcurrentDownloads, Map<String, RegistryConfig> registries) {}
