package dev.hako.pod;

import dev.hako.cri.v1.DNSConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The files a pod gives every container: /etc/hostname, /etc/hosts and /etc/resolv.conf, kept in the
 * pod's directory and bind-mounted into each container by its OCI spec.
 */
final class PodFiles {
    static final String HOSTNAME = "hostname";
    static final String HOSTS = "hosts";
    static final String RESOLV_CONF = "resolv.conf";

    private static final Path HOST_HOSTS = Path.of("/etc/hosts");
    private static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");

    private PodFiles() {}

    static void write(Path dir, SandboxPlan plan, DNSConfig dns) throws IOException {
        write(dir.resolve(HOSTNAME), utf8(plan.hostname() + "\n"));
        write(dir.resolve(HOSTS), plan.hostNetwork() ? hostFile(HOST_HOSTS, hosts(null)) : utf8(hosts(plan.hostname())));
        write(dir.resolve(RESOLV_CONF), isEmpty(dns) ? hostFile(HOST_RESOLV_CONF, "") : utf8(resolvConf(dns)));
    }

    /** Rewrites /etc/hosts once CNI gave the pod an address: the pod's name on that address. */
    static void writeHosts(Path dir, String hostname, String ip) throws IOException {
        String text = hosts(null) + ip + "\t" + hostname + "\n";
        write(dir.resolve(HOSTS), utf8(text));
    }

    /** The loopback names, and the pod's own name on 127.0.1.1 as Debian does for a host without a fixed IP. */
    static String hosts(String hostname) {
        StringBuilder out = new StringBuilder();
        out.append("127.0.0.1\tlocalhost\n");
        out.append("::1\tlocalhost ip6-localhost ip6-loopback\n");
        if (hostname != null) {
            out.append("127.0.1.1\t").append(hostname).append('\n');
        }
        return out.toString();
    }

    /** One {@code nameserver} line per server, then {@code search} and {@code options}, each on one line. */
    static String resolvConf(DNSConfig dns) {
        StringBuilder out = new StringBuilder();
        for (String server : dns.getServersList()) {
            out.append("nameserver ").append(server).append('\n');
        }
        if (dns.getSearchesCount() > 0) {
            out.append("search ").append(String.join(" ", dns.getSearchesList())).append('\n');
        }
        if (dns.getOptionsCount() > 0) {
            out.append("options ").append(String.join(" ", dns.getOptionsList())).append('\n');
        }
        return out.toString();
    }

    private static boolean isEmpty(DNSConfig dns) {
        return dns.getServersCount() == 0 && dns.getSearchesCount() == 0 && dns.getOptionsCount() == 0;
    }

    /** The host's copy of a file (its content: a symlink is followed), or {@code fallback} when the host has none. */
    private static byte[] hostFile(Path file, String fallback) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return utf8(fallback);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void write(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
}
