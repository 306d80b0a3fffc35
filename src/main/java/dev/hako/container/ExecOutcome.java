package dev.hako.container;

/**
 * What a command run to completion in a container left: its exit code and captured output. The
 * service's own type, so the CRI layer does not reach into the monitor for conmon's result.
 */
public record ExecOutcome(int exitCode, byte[] stdout, byte[] stderr) {}
