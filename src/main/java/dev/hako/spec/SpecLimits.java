package dev.hako.spec;

import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.Device;
import dev.hako.cri.v1.KeyValue;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.Mount;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.oci.RuntimeSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Size limits on everything that reaches the OCI runtime. runc quotes a bad value in its error, and
 * conmon 2.1.6 reads the runtime's output only once the runtime has exited: an error longer than a
 * pipe (64 KiB) leaves runc waiting to write it and conmon waiting for runc, until the create
 * timeout (a 40 kB command or mount path was enough). So values are held to the kernel's own limits,
 * beyond which they could not work anyway: paths to PATH_MAX and each name in them to NAME_MAX, each
 * argument and environment entry to MAX_ARG_STRLEN, all of them together to the default ARG_MAX, and
 * the whole spec to a few MiB.
 */
public final class SpecLimits {
    /** PATH_MAX, with its NUL. */
    static final int PATH_MAX = 4096;
    /** NAME_MAX: one component of a path. */
    static final int NAME_MAX = 255;
    /** MAX_ARG_STRLEN: execve refuses a longer argument or environment string. */
    static final int ARG_MAX_ONE = 128 * 1024;
    /** ARG_MAX under the default 8 MiB stack limit: execve refuses more argv plus envp. */
    static final int ARG_MAX_ALL = 2 * 1024 * 1024;
    /** Any other string in the spec (a sysctl, a profile name, a hostname) is short on any real node. */
    static final int OTHER_MAX = PATH_MAX;
    /** The written config.json. */
    static final int SPEC_MAX = 8 * 1024 * 1024;

    private SpecLimits() {}

    /** Checks the CRI fields of a container that become paths, arguments and environment in its spec. */
    static void check(ContainerConfig c) {
        path("config.working_dir", c.getWorkingDir());
        long total = 0;
        for (int i = 0; i < c.getCommandCount(); i++) {
            String field = "config.command[" + i + "]";
            total += i == 0 ? path(field, c.getCommand(i)) : arg(field, c.getCommand(i));
        }
        for (int i = 0; i < c.getArgsCount(); i++) {
            String field = "config.args[" + i + "]";
            total += i == 0 && c.getCommandCount() == 0 ? path(field, c.getArgs(i)) : arg(field, c.getArgs(i));
        }
        for (int i = 0; i < c.getEnvsCount(); i++) {
            KeyValue kv = c.getEnvs(i);
            total += arg("config.envs[" + i + "]", kv.getKey() + "=" + kv.getValue().toStringUtf8());
        }
        if (total > ARG_MAX_ALL) {
            throw HakoException.invalidArgument("config.command, config.args and config.envs", "together they are "
                    + total + " bytes, more than the " + ARG_MAX_ALL + " bytes a process may be started with");
        }
        for (int i = 0; i < c.getMountsCount(); i++) {
            Mount m = c.getMounts(i);
            path("config.mounts[" + i + "].container_path", m.getContainerPath());
            path("config.mounts[" + i + "].host_path", m.getHostPath());
        }
        for (int i = 0; i < c.getDevicesCount(); i++) {
            Device d = c.getDevices(i);
            path("config.devices[" + i + "].container_path", d.getContainerPath());
            path("config.devices[" + i + "].host_path", d.getHostPath());
        }
        LinuxContainerSecurityContext sc = c.getLinux().getSecurityContext();
        paths("config.linux.security_context.masked_paths", sc.getMaskedPathsList());
        paths("config.linux.security_context.readonly_paths", sc.getReadonlyPathsList());
    }

    /**
     * The safety net for what {@link #check(ContainerConfig)} does not name (pod-level values, image
     * config): every string of {@code spec} within its limit, and the whole within {@link #SPEC_MAX}.
     * Annotations are only bounded by the total: the runtime stores them and never quotes them.
     */
    static void check(RuntimeSpec spec) {
        Map<String, Object> json = spec.toJson();
        walk("", json);
        int size = Json.write(json).getBytes(StandardCharsets.UTF_8).length;
        if (size > SPEC_MAX) {
            throw HakoException.invalidArgument("config", "the container's OCI spec would be " + size
                    + " bytes, more than " + SPEC_MAX);
        }
    }

    private static void walk(String at, Object v) {
        if (v instanceof Map<?, ?> m) {
            if (at.equals("annotations")) {
                return;
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = String.valueOf(e.getKey());
                limit(at + (at.isEmpty() ? "" : ".") + "<key>", key, OTHER_MAX);
                walk(at.isEmpty() ? key : at + "." + key, e.getValue());
            }
        } else if (v instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                walk(at + "[" + i + "]", l.get(i));
            }
        } else if (v instanceof String s) {
            limit(at, s, at.startsWith("process.args[") || at.startsWith("process.env[") ? ARG_MAX_ONE : OTHER_MAX);
        }
    }

    private static void limit(String at, String s, int max) {
        int n = utf8Length(s);
        if (n > max) {
            throw HakoException.invalidArgument("config", "the container's OCI spec would have " + n + " bytes at "
                    + at + ", more than the " + max + " the runtime is given");
        }
    }

    private static void paths(String field, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            path(field + "[" + i + "]", values.get(i));
        }
    }

    private static int path(String field, String value) {
        int n = utf8Length(value);
        if (n >= PATH_MAX) {
            throw HakoException.invalidArgument(field, "is " + n + " bytes long; a path has at most " + (PATH_MAX - 1));
        }
        for (String name : value.split("/")) {
            int len = utf8Length(name);
            if (len > NAME_MAX) {
                throw HakoException.invalidArgument(field, "has a " + len + "-byte name in it; a file name has at most "
                        + NAME_MAX);
            }
        }
        return n + 1;
    }

    private static int arg(String field, String value) {
        int n = utf8Length(value);
        if (n >= ARG_MAX_ONE) {
            throw HakoException.invalidArgument(field, "is " + n + " bytes long; an argument or environment entry"
                    + " has at most " + (ARG_MAX_ONE - 1));
        }
        return n + 1;
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch < 0x80) {
                n++;
            } else if (ch < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(ch) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
