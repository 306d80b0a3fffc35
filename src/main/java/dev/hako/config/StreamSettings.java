package dev.hako.config;

/** The {@code [stream]} table: the exec/attach/port-forward server's bind address; port 0 picks a free port. */
public record StreamSettings(String address, int port) {}
