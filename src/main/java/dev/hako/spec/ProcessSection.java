package dev.hako.spec;

import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.KeyValue;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.error.HakoException;
import dev.hako.oci.ProcessSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code process} section: the command replaces the image's Entrypoint and the args its Cmd,
 * the container's env wins over the image's, the working directory falls back to the image's and
 * then to /. The user and capabilities are built by their own sections.
 */
final class ProcessSection {
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private ProcessSection() {}

    /**
     * The process of the container, its parts built in the order their errors are reported: user,
     * command, environment, working directory, capabilities.
     */
    static ProcessSpec of(SpecInput in, ImageParts image, HostFacts host) {
        ContainerConfig c = in.config();
        LinuxContainerSecurityContext sc = c.getLinux().getSecurityContext();
        ProcessSpec.User user = UserSection.of(in.rootfs(), sc, image.user());
        List<String> args = args(c, image);
        List<String> env = env(c, in.pod(), image);
        String cwd = cwd(c, image);
        ProcessSpec.Capabilities capabilities = CapabilitySection.of(sc, sc.getPrivileged(), host.capabilities());
        // the floor: the kernel refuses a lower value from Hako
        int oomScoreAdj = (int) Math.max(c.getLinux().getResources().getOomScoreAdj(), host.minOomScoreAdj());
        return new ProcessSpec(c.getTty(), user, args, env, cwd, capabilities, sc.getNoNewPrivs(), oomScoreAdj);
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
