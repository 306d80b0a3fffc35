package dev.hako.sys;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Namespaces that live without a process: each one is bind-mounted onto a file (a "pin"), as CRI-O's
 * pinns does, and lives until that mount is gone. They are made by util-linux {@code unshare} in a
 * child process, because unshare(2) in the JVM would move only the calling OS thread, and a
 * multi-threaded process cannot take some of them at all. Joining one is {@code nsenter --net=PIN}
 * for a helper, or {@code "path": PIN} in an OCI spec.
 *
 * <p>Each pin file must exist and be empty, and the mount holding it must be private (see
 * {@link MountCalls#bindSelfPrivate}): a pin on a shared mount would propagate into other mount
 * namespaces, and those copies would keep the namespace alive after it is unpinned here.
 */
public final class NamespacePins {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private NamespacePins() {}

    /** The kinds of namespace a pod shares among its containers. */
    public enum Kind {
        NET("net"), IPC("ipc"), UTS("uts");

        private final String file;

        Kind(String file) {
            this.file = file;
        }

        /** The conventional name: {@code /proc/PID/ns/<name>}, {@code unshare --<name>=FILE}. */
        public String fileName() {
            return file;
        }
    }

    /**
     * Creates one new namespace of each kind in {@code pins} and binds it onto its file. When a UTS
     * namespace is among them and {@code hostname} is not null, the hostname is set inside it.
     */
    public static void create(Map<Kind, Path> pins, String hostname) throws IOException {
        if (pins.isEmpty()) {
            return;
        }
        List<String> argv = new ArrayList<>();
        argv.add(Command.find("unshare", "util-linux").toString());
        for (Kind k : Kind.values()) {
            Path pin = pins.get(k);
            if (pin != null) {
                argv.add("--" + k.fileName() + "=" + pin);
            }
        }
        argv.add("--");
        if (hostname != null && pins.containsKey(Kind.UTS)) {
            if (hostname.isEmpty() || hostname.startsWith("-")) {
                throw new IOException("\"" + hostname + "\" is not a hostname");
            }
            argv.add(Command.find("hostname", "hostname").toString());
            argv.add(hostname);
        } else {
            argv.add(Command.find("true", "coreutils").toString());
        }
        Command.run(TIMEOUT, argv);
    }

    /** Brings the loopback interface up inside the network namespace pinned at {@code netns}. */
    public static void loopbackUp(Path netns) throws IOException {
        Command.run(TIMEOUT, List.of(Command.find("nsenter", "util-linux").toString(), "--net=" + netns,
                Command.find("ip", "iproute2").toString(), "link", "set", "lo", "up"));
    }

    /**
     * Lets any process of the namespace pinned at {@code netns} bind ports below 1024 (as Docker does
     * for its containers): a sandbox runtime on host networking binds the pod's sockets from its own
     * unprivileged process, while the sandbox itself still enforces CAP_NET_BIND_SERVICE.
     */
    public static void allowUnprivilegedPorts(Path netns) throws IOException {
        Command.run(TIMEOUT, List.of(Command.find("nsenter", "util-linux").toString(), "--net=" + netns,
                "/bin/sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start"));
    }

    /**
     * Releases the pin at {@code pin}: the namespace ends once no process is in it. An absent pin
     * (already released, or never made) is not an error.
     */
    public static void unpin(Path pin) throws IOException {
        try {
            MountCalls.umount(pin, MountCalls.UMOUNT_NOFOLLOW);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EINVAL && e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
    }
}
