package dev.hako.oci;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code linux.seccomp} of an OCI runtime spec. Values come from a profile file and are passed on as
 * the file has them (the runtime judges them), so they are JSON values rather than narrower types.
 *
 * @param defaultErrnoRet null when not set
 * @param architectures   empty when not set
 * @param options         {@code flags}, {@code listenerPath} and {@code listenerMetadata} when set, in that order
 */
public record SeccompSpec(Object defaultAction, Object defaultErrnoRet, List<Object> architectures,
                          Map<String, Object> options, List<Syscall> syscalls) {
    public SeccompSpec {
        architectures = Collections.unmodifiableList(new ArrayList<>(architectures));
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
        syscalls = List.copyOf(syscalls);
    }

    /**
     * One entry of {@code syscalls}.
     *
     * @param errnoRet null when not set
     * @param args     empty when not set
     */
    public record Syscall(List<Object> names, Object action, Object errnoRet, List<Object> args) {
        public Syscall {
            names = Collections.unmodifiableList(new ArrayList<>(names));
            args = Collections.unmodifiableList(new ArrayList<>(args));
        }

        public Map<String, Object> toJson() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("names", new ArrayList<>(names));
            out.put("action", action);
            if (errnoRet != null) {
                out.put("errnoRet", errnoRet);
            }
            if (!args.isEmpty()) {
                out.put("args", new ArrayList<>(args));
            }
            return out;
        }
    }

    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("defaultAction", defaultAction);
        if (defaultErrnoRet != null) {
            out.put("defaultErrnoRet", defaultErrnoRet);
        }
        if (!architectures.isEmpty()) {
            out.put("architectures", new ArrayList<>(architectures));
        }
        out.putAll(options);
        if (!syscalls.isEmpty()) {
            List<Object> rules = new ArrayList<>();
            syscalls.forEach(s -> rules.add(s.toJson()));
            out.put("syscalls", rules);
        }
        return out;
    }
}
