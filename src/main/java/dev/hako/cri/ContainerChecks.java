package dev.hako.cri;

import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.Device;
import dev.hako.cri.v1.KeyValue;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.Mount;
import dev.hako.error.HakoException;
import java.util.List;

/**
 * CreateContainer's config and the commands of ExecSync and Exec, checked for what the OCI runtime
 * would refuse later with a less helpful error: relative paths where the spec needs absolute ones,
 * environment names with '=', numbers out of their range. (Sizes and NUL bytes: {@link RequestLimits}.)
 */
final class ContainerChecks {
    private ContainerChecks() {}

    static void check(ContainerConfig c) {
        String name = c.getMetadata().getName();
        if (name.length() > PodChecks.MAX_NAME || name.chars().anyMatch(ch -> ch < ' ' || ch == 0x7f)) {
            throw HakoException.invalidArgument("config.metadata.name", "\"" + Echo.of(name)
                    + "\" must be at most " + PodChecks.MAX_NAME + " characters, without control characters");
        }
        if (!c.getWorkingDir().isEmpty()) {
            absolute(c.getWorkingDir(), "config.working_dir");
        }
        List<KeyValue> envs = c.getEnvsList();
        for (int i = 0; i < envs.size(); i++) {
            String key = envs.get(i).getKey();
            if (key.isEmpty() || key.indexOf('=') >= 0) {
                throw HakoException.invalidArgument("config.envs[" + i + "].key", "\"" + Echo.of(key)
                        + "\" is not an environment variable name (non-empty, without '=')");
            }
        }
        List<Mount> mounts = c.getMountsList();
        for (int i = 0; i < mounts.size(); i++) {
            Mount m = mounts.get(i);
            if (!m.getHostPath().isEmpty()) {
                absolute(m.getHostPath(), "config.mounts[" + i + "].host_path");
            }
            if (!m.getContainerPath().isEmpty()) {
                absolute(m.getContainerPath(), "config.mounts[" + i + "].container_path");
            }
        }
        List<Device> devices = c.getDevicesList();
        for (int i = 0; i < devices.size(); i++) {
            absolute(devices.get(i).getHostPath(), "config.devices[" + i + "].host_path");
            absolute(devices.get(i).getContainerPath(), "config.devices[" + i + "].container_path");
        }
        LinuxContainerSecurityContext sc = c.getLinux().getSecurityContext();
        String scField = "config.linux.security_context";
        ResourceChecks.runAs(sc.hasRunAsUser() ? sc.getRunAsUser() : null,
                sc.hasRunAsGroup() ? sc.getRunAsGroup() : null, sc.getSupplementalGroupsList(), scField);
        paths(sc.getMaskedPathsList(), scField + ".masked_paths");
        paths(sc.getReadonlyPathsList(), scField + ".readonly_paths");
        if (c.getLinux().hasResources()) {
            ResourceChecks.check(c.getLinux().getResources(), "config.linux.resources");
        }
    }

    /**
     * ExecSync's timeout in seconds: 0 for none. conmon takes it as a 32-bit int (-T) after Hako added
     * its grace period, so it must stay well inside that.
     */
    static final long MAX_EXEC_TIMEOUT = Integer.MAX_VALUE / 2;

    static void execTimeout(long seconds, String field) {
        if (seconds < 0 || seconds > MAX_EXEC_TIMEOUT) {
            throw HakoException.invalidArgument(field, seconds + " s is not 0 (no timeout) or at most "
                    + MAX_EXEC_TIMEOUT);
        }
    }

    /** An exec's command: a program to run first. */
    static void command(List<String> cmd, String field) {
        if (!cmd.isEmpty() && cmd.getFirst().isEmpty()) {
            throw HakoException.invalidArgument(field + "[0]", "the program to run is empty");
        }
    }

    private static void paths(List<String> paths, String field) {
        for (int i = 0; i < paths.size(); i++) {
            absolute(paths.get(i), field + "[" + i + "]");
        }
    }

    private static void absolute(String path, String field) {
        if (!path.startsWith("/")) {
            throw HakoException.invalidArgument(field, "\"" + Echo.of(path) + "\" is not an absolute path");
        }
    }
}
