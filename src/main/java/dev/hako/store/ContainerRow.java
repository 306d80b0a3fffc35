package dev.hako.store;

import java.time.Instant;

/**
 * A container as stored. {@code config} is the kubelet's ContainerConfig (protobuf bytes);
 * {@code details} is a JSON document the container package owns (bundle, log path, image name).
 */
public record ContainerRow(String id, String podId, String name, int attempt, byte[] config, String imageId,
                           String state, Instant createdAt, Instant startedAt, Instant finishedAt, Integer exitCode,
                           String reason, String message, int pid, String details) {}
