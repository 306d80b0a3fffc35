package dev.hako.stream;

public record TerminalSize(int width, int height) {}
