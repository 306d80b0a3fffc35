package dev.hako.sys;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Namespaces that live without a process: each one is bind-mounted onto a file (a "pin"), as CRI-O's
 * pinns does, and lives until that mount is gone. They are made on a throw-away thread (see
 * {@link #create}). Joining one is {@code nsenter --net=PIN} for a helper, or {@code "path": PIN}
 * in an OCI spec.
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
        NET("net", 0x40000000), IPC("ipc", 0x08000000), UTS("uts", 0x04000000);

        private final String file;
        /** CLONE_NEWNET, CLONE_NEWIPC, CLONE_NEWUTS. */
        private final int cloneFlag;

        Kind(String file, int cloneFlag) {
            this.file = file;
            this.cloneFlag = cloneFlag;
        }

        /** The conventional name: {@code /proc/PID/ns/<name>}, {@code unshare --<name>=FILE}. */
        public String fileName() {
            return file;
        }
    }

    /**
     * Creates one new namespace of each kind in {@code pins} and binds it onto its file. When a UTS
     * namespace is among them and {@code hostname} is not null, the hostname is set inside it; a new
     * network namespace gets its loopback interface up.
     *
     * <p>This needs no helper process: net, UTS and IPC namespaces belong to a thread, and a thread of a
     * multi-threaded process may unshare(2) them. So a fresh platform thread unshares, sets the hostname,
     * brings {@code lo} up (ioctl on a socket it makes inside), bind-mounts its {@code /proc/thread-self/ns/*}
     * onto the pins (mounts are the process's, so they outlive the thread) and ends: it never runs anything
     * else, so nothing else of the daemon ever runs inside a pod's namespaces.
     */
    public static void create(Map<Kind, Path> pins, String hostname) throws IOException {
        if (pins.isEmpty()) {
            return;
        }
        boolean setHostname = hostname != null && pins.containsKey(Kind.UTS);
        if (setHostname && (hostname.isEmpty() || hostname.startsWith("-")
                || hostname.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 64)) {
            throw new IOException("\"" + hostname + "\" is not a hostname");
        }
        int flags = 0;
        for (Kind k : pins.keySet()) {
            flags |= k.cloneFlag;
        }
        int cloneFlags = flags;
        OffCarrier.run("hako-pod-namespaces", () -> {
            ThreadNamespaces.unshare(cloneFlags);
            if (setHostname) {
                ThreadNamespaces.sethostname(hostname);
            }
            if (pins.containsKey(Kind.NET)) {
                ThreadNamespaces.loopbackUp();
            }
            for (Kind k : Kind.values()) {
                Path pin = pins.get(k);
                if (pin != null) {
                    MountCalls.mount("/proc/thread-self/ns/" + k.fileName(), pin, null, MountCalls.MS_BIND, null);
                }
            }
        });
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
