package dev.hako.spec;

import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.KeyValue;
import dev.hako.error.HakoException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code process} section: the command replaces the image's Entrypoint and the args its Cmd,
 * the container's env wins over the image's, the working directory falls back to the image's and
 * then to /. The user and capabilities come in built by their own sections.
 */
final class ProcessSection {
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private ProcessSection() {}

    /** The first parts of the section, in config.json order: terminal, user, args, env, cwd. */
    static Map<String, Object> start(ContainerConfig c, PodContext pod, ImageParts image, Map<String, Object> user) {
        Map<String, Object> process = new LinkedHashMap<>();
        process.put("terminal", c.getTty());
        process.put("user", user);
        process.put("args", args(c, image));
        process.put("env", env(c, pod, image));
        process.put("cwd", cwd(c, image));
        return process;
    }

    /** The rest: capabilities, noNewPrivileges when asked, and the oom_score_adj held to the host's floor. */
    static void finish(Map<String, Object> process, Map<String, Object> capabilities, boolean noNewPrivs, long oomScoreAdj,
                       int minOomScoreAdj) {
        process.put("capabilities", capabilities);
        if (noNewPrivs) {
            process.put("noNewPrivileges", true);
        }
        process.put("oomScoreAdj", (int) Math.max(oomScoreAdj, minOomScoreAdj));
    }

    private static List<String> args(ContainerConfig c, ImageParts image) {
        List<String> out = new ArrayList<>();
        if (c.getCommandCount() > 0) {
            out.addAll(c.getCommandList());
            out.addAll(c.getArgsList());
        } else {
            out.addAll(image.entrypoint());
            out.addAll(c.getArgsCount() > 0 ? c.getArgsList() : image.cmd());
        }
        if (out.isEmpty()) {
            throw HakoException.invalidArgument("config.command",
                    "no command specified: neither the container nor its image has a command or args");
        }
        return out;
    }

    private static List<String> env(ContainerConfig c, PodContext pod, ImageParts image) {
        Map<String, String> byKey = new LinkedHashMap<>();
        putEnv(byKey, DEFAULT_PATH);
        if (pod.hostname() != null && !pod.hostname().isEmpty()) {
            putEnv(byKey, "HOSTNAME=" + pod.hostname());
        }
        for (String e : image.env()) {
            putEnv(byKey, e);
        }
        if (c.getTty()) {
            putEnv(byKey, "TERM=xterm");
        }
        for (KeyValue kv : c.getEnvsList()) {
            putEnv(byKey, kv.getKey() + "=" + kv.getValue().toStringUtf8());
        }
        return new ArrayList<>(byKey.values());
    }

    private static void putEnv(Map<String, String> byKey, String entry) {
        int eq = entry.indexOf('=');
        String key = eq < 0 ? entry : entry.substring(0, eq);
        byKey.put(key, entry);
    }

    private static String cwd(ContainerConfig c, ImageParts image) {
        if (!c.getWorkingDir().isEmpty()) {
            return c.getWorkingDir();
        }
        if (!image.workingDir().isEmpty()) {
            return image.workingDir();
        }
        return "/";
    }
}
