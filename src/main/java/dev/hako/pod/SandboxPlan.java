package dev.hako.pod;

import dev.hako.cri.v1.DNSConfig;
import dev.hako.cri.v1.NamespaceMode;
import dev.hako.cri.v1.NamespaceOption;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.error.HakoException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a {@link PodSandboxConfig} asks for, checked: the pod's identity, its hostname and which
 * namespaces it gets of its own. Building one validates the whole request, so nothing is made on
 * the node for a request that would be refused.
 *
 * @param hostNetwork network NODE: the host's network namespace, and (as in CRI-O and containerd) the host's
 *                    UTS namespace with it, since a host-network pod shows the node's hostname
 * @param hostIpc     ipc NODE: the host's IPC namespace and /dev/shm
 * @param hostPid     pid NODE: the host's PID namespace
 * @param sharedPid   pid POD: the containers share one PID namespace (needs an infra process; not made yet)
 */
record SandboxPlan(String name, String namespace, String uid, int attempt, String hostname, boolean hostNetwork,
                   boolean hostIpc, boolean hostPid, boolean sharedPid, String cgroupParent,
                   Map<String, String> sysctls) {

    /** sethostname(2) takes at most 64 bytes. */
    static final int MAX_HOSTNAME = 64;
    /** What the kubelet keeps of a pod name it uses as the hostname (a DNS label). */
    private static final int KUBELET_HOSTNAME_LIMIT = 63;
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?");
    private static final String NS_FIELD = "config.linux.security_context.namespace_options";

    SandboxPlan {
        sysctls = Map.copyOf(sysctls);
    }

    static SandboxPlan of(PodSandboxConfig config) {
        PodSandboxMetadata meta = config.getMetadata();
        require(meta.getName(), "config.metadata.name");
        require(meta.getNamespace(), "config.metadata.namespace");
        require(meta.getUid(), "config.metadata.uid");
        String hostname = hostname(config);

        NamespaceOption ns = config.getLinux().getSecurityContext().getNamespaceOptions();
        boolean hostNetwork = podOrNode(ns.getNetwork(), NS_FIELD + ".network");
        boolean hostIpc = podOrNode(ns.getIpc(), NS_FIELD + ".ipc");
        NamespaceMode pid = ns.getPid();
        if (pid == NamespaceMode.TARGET || pid == NamespaceMode.UNRECOGNIZED) {
            throw HakoException.invalidArgument(NS_FIELD + ".pid", modeName(pid) + " is not a pod-level mode (POD, CONTAINER or NODE)");
        }
        if (ns.hasUsernsOptions() && ns.getUsernsOptions().getMode() != NamespaceMode.NODE) {
            throw HakoException.invalidArgument(NS_FIELD + ".userns_options.mode", modeName(ns.getUsernsOptions().getMode())
                    + ": user namespaces are not supported (no runtime handler reports the UserNamespaces feature)");
        }
        checkDns(config.getDnsConfig());
        return new SandboxPlan(meta.getName(), meta.getNamespace(), meta.getUid(), meta.getAttempt(), hostname,
                hostNetwork, hostIpc, pid == NamespaceMode.NODE, pid == NamespaceMode.POD,
                config.getLinux().getCgroupParent(), config.getLinux().getSysctlsMap());
    }

    /** The kubelet identity of the pod, as one string. */
    String key() {
        return name + '\0' + namespace + '\0' + uid + '\0' + Integer.toUnsignedString(attempt);
    }

    /** namespace/name, for messages and logs. */
    String describe() {
        return namespace + "/" + name;
    }

    private static void require(String value, String field) {
        if (value.isEmpty()) {
            throw HakoException.invalidArgument(field, "must not be empty");
        }
    }

    /**
     * The configured hostname; without one, the pod name cut to a DNS label as the kubelet would
     * (the kubelet always sends one, crictl need not).
     */
    private static String hostname(PodSandboxConfig config) {
        String given = config.getHostname();
        if (given.isEmpty()) {
            String name = config.getMetadata().getName();
            if (name.length() > KUBELET_HOSTNAME_LIMIT) {
                name = name.substring(0, KUBELET_HOSTNAME_LIMIT);
            }
            while (!name.isEmpty() && (name.endsWith("-") || name.endsWith("."))) {
                name = name.substring(0, name.length() - 1);
            }
            if (!HOSTNAME.matcher(name).matches()) {
                throw HakoException.invalidArgument("config.hostname", "not set, and the pod name \""
                        + config.getMetadata().getName() + "\" cannot serve as one (letters, digits, '-' and '.')");
            }
            return name;
        }
        if (given.length() > MAX_HOSTNAME) {
            throw HakoException.invalidArgument("config.hostname", "\"" + given + "\" is longer than "
                    + MAX_HOSTNAME + " characters");
        }
        if (!HOSTNAME.matcher(given).matches()) {
            throw HakoException.invalidArgument("config.hostname", "\"" + printable(given)
                    + "\" is not a hostname (letters, digits, '-' and '.', starting and ending with a letter or digit)");
        }
        return given;
    }

    /** True for NODE (the host's namespace), false for POD; CONTAINER and TARGET make no sense for a pod's net or IPC. */
    private static boolean podOrNode(NamespaceMode mode, String field) {
        return switch (mode) {
            case POD -> false;
            case NODE -> true;
            default -> throw HakoException.invalidArgument(field, modeName(mode)
                    + " is not supported for a pod sandbox (POD or NODE)");
        };
    }

    private static String modeName(NamespaceMode mode) {
        return mode == NamespaceMode.UNRECOGNIZED ? "an unknown namespace mode" : mode.name();
    }

    /** Every entry becomes one word of a resolv.conf line: no white space, no control characters. */
    private static void checkDns(DNSConfig dns) {
        checkWords(dns.getServersList(), "config.dns_config.servers");
        checkWords(dns.getSearchesList(), "config.dns_config.searches");
        checkWords(dns.getOptionsList(), "config.dns_config.options");
    }

    private static void checkWords(List<String> words, String field) {
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            if (w.isEmpty() || w.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
                throw HakoException.invalidArgument(field + "[" + i + "]", "\"" + printable(w)
                        + "\" must be one non-empty word without white space");
            }
        }
    }

    private static String printable(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c < ' ' || c == 0x7f) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
