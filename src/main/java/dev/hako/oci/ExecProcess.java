package dev.hako.oci;

import dev.hako.error.HakoException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code process} of an exec, derived from a container's runtime spec (for {@code runc exec --process}). */
public final class ExecProcess {
    private ExecProcess() {}

    /**
     * The process of an exec in the container described by {@code spec}: the container's process
     * (user, env, cwd, capabilities…) running {@code cmd}, with a terminal when {@code tty}. The
     * result is a new tree, for {@code runc exec --process}.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> of(Map<String, Object> spec, List<String> cmd, boolean tty) {
        if (cmd == null || cmd.isEmpty()) {
            throw HakoException.invalidArgument("cmd", "no command to run");
        }
        Object p = spec.get("process");
        if (!(p instanceof Map<?, ?> base)) {
            throw HakoException.failedPrecondition("the container's spec has no process");
        }
        Map<String, Object> out = (Map<String, Object>) deepCopy(base);
        out.put("terminal", tty);
        out.put("args", new ArrayList<>(cmd));
        out.remove("consoleSize");
        if (tty) {
            List<Object> env = out.get("env") instanceof List<?> l ? new ArrayList<>(l) : new ArrayList<>();
            boolean hasTerm = env.stream().anyMatch(e -> e instanceof String s && s.startsWith("TERM="));
            if (!hasTerm) {
                env.add("TERM=xterm");
            }
            out.put("env", env);
        }
        return out;
    }

    private static Object deepCopy(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(String.valueOf(e.getKey()), deepCopy(e.getValue()));
            }
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object o : l) {
                out.add(deepCopy(o));
            }
            return out;
        }
        return v;
    }
}
