package dev.hako.cri;

import dev.hako.cri.v1.LinuxSandboxSecurityContext;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.PortMapping;
import dev.hako.cri.v1.Protocol;
import dev.hako.error.HakoException;
import java.net.InetAddress;
import java.util.List;

/**
 * RunPodSandbox's config, checked as the Kubernetes API would have checked the pod, for what Hako
 * passes on: the pod's identity goes into CNI_ARGS ({@code K8S_POD_NAME=...;K8S_POD_NAMESPACE=...}),
 * the hostname to sethostname(2) and /etc/hosts, port mappings to iptables.
 */
final class PodChecks {
    /** A DNS-1123 subdomain's length. */
    static final int MAX_NAME = 253;
    private static final int MAX_LABEL = 63;

    private PodChecks() {}

    static void check(PodSandboxConfig config) {
        PodSandboxMetadata meta = config.getMetadata();
        identity(meta.getName(), "config.metadata.name");
        identity(meta.getNamespace(), "config.metadata.namespace");
        identity(meta.getUid(), "config.metadata.uid");
        if (!config.getHostname().isEmpty()) {
            hostname(config.getHostname(), "config.hostname");
        }
        List<PortMapping> ports = config.getPortMappingsList();
        for (int i = 0; i < ports.size(); i++) {
            port(ports.get(i), "config.port_mappings[" + i + "]");
        }
        var linux = config.getLinux();
        cgroupParent(linux.getCgroupParent(), "config.linux.cgroup_parent");
        LinuxSandboxSecurityContext sc = linux.getSecurityContext();
        ResourceChecks.runAs(sc.hasRunAsUser() ? sc.getRunAsUser() : null,
                sc.hasRunAsGroup() ? sc.getRunAsGroup() : null, sc.getSupplementalGroupsList(), "config.linux.security_context");
        if (linux.hasOverhead()) {
            ResourceChecks.check(linux.getOverhead(), "config.linux.overhead");
        }
        if (linux.hasResources()) {
            ResourceChecks.check(linux.getResources(), "config.linux.resources");
        }
    }

    /** Name, namespace and UID: printable, without the separators of CNI_ARGS ({@code ;} and {@code =}) or {@code ,}. */
    static void identity(String value, String field) {
        if (value.length() > MAX_NAME) {
            throw HakoException.invalidArgument(field, "\"" + Echo.of(value) + "\" is longer than " + MAX_NAME + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < ' ' || c == 0x7f || c == ';' || c == ',' || c == '=') {
                throw HakoException.invalidArgument(field, "\"" + Echo.of(value)
                        + "\" contains a control character, ';', ',' or '='");
            }
        }
    }

    /** Dot-separated DNS labels (letters, digits, '-', not at either end of a label), as RFC 1123 hostnames. */
    static void hostname(String name, String field) {
        String why = null;
        if (name.length() > MAX_NAME) {
            why = "is longer than " + MAX_NAME + " characters";
        } else {
            for (String label : name.split("\\.", -1)) {
                if (label.isEmpty() || label.length() > MAX_LABEL) {
                    why = "has an empty label or one longer than " + MAX_LABEL + " characters";
                } else if (label.startsWith("-") || label.endsWith("-")) {
                    why = "has a label starting or ending with '-'";
                } else if (!label.chars().allMatch(c -> c < 0x80 && (Character.isLetterOrDigit(c) || c == '-'))) {
                    why = "may hold only letters, digits, '-' and '.'";
                }
                if (why != null) {
                    break;
                }
            }
        }
        if (why != null) {
            throw HakoException.invalidArgument(field, "\"" + Echo.of(name) + "\" is not a hostname: it " + why);
        }
    }

    private static void port(PortMapping p, String field) {
        if (p.getContainerPort() < 1 || p.getContainerPort() > 65535) {
            throw HakoException.invalidArgument(field + ".container_port", p.getContainerPort() + " is not a port (1-65535)");
        }
        if (p.getHostPort() < 0 || p.getHostPort() > 65535) {
            throw HakoException.invalidArgument(field + ".host_port", p.getHostPort() + " is not 0 or a port (1-65535)");
        }
        if (p.getProtocol() == Protocol.UNRECOGNIZED) {
            throw HakoException.invalidArgument(field + ".protocol", p.getProtocolValue() + " is not TCP, UDP or SCTP");
        }
        if (!p.getHostIp().isEmpty()) {
            try {
                InetAddress.ofLiteral(p.getHostIp());
            } catch (IllegalArgumentException e) {
                throw HakoException.invalidArgument(field + ".host_ip", "\"" + Echo.of(p.getHostIp())
                        + "\" is not an IPv4 or IPv6 address");
            }
        }
    }

    /** A cgroup path (cgroupfs) or slice name (systemd): never one that climbs out with "..". */
    static void cgroupParent(String parent, String field) {
        for (String part : parent.split("/")) {
            if (part.equals("..") || part.equals(".")) {
                throw HakoException.invalidArgument(field, "\"" + Echo.of(parent) + "\" has a \".\" or \"..\" component");
            }
        }
    }
}
