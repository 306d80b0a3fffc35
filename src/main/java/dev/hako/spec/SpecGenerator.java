package dev.hako.spec;

import dev.hako.config.CgroupDriver;
import dev.hako.oci.HostCgroups;
import dev.hako.cri.v1.Capability;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.Device;
import dev.hako.cri.v1.KeyValue;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.Mount;
import dev.hako.cri.v1.MountPropagation;
import dev.hako.cri.v1.SupplementalGroupsPolicy;
import dev.hako.error.HakoException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The OCI runtime spec ({@code config.json}) of a CRI container, as a JSON tree of maps and lists
 * ready for {@code Json.write}. The rules are the CRI's as containerd and CRI-O apply them: the
 * command replaces the image's Entrypoint and the args its Cmd, the container's env wins over the
 * image's, the user comes from the security context or the image and is resolved against the
 * rootfs's own /etc/passwd and /etc/group, and the namespaces, files and cgroup come from the pod.
 *
 * <p>Security: seccomp from {@link Seccomp}; AppArmor and SELinux are not applied, so asking for
 * them is refused; privileged containers get all of Hako's capabilities, the host's devices, a
 * writable /sys and no masked or read-only paths.
 *
 * <p>Not generated (yet): image volumes and id-mapped mounts.
 */
public final class SpecGenerator {
    private SpecGenerator() {}

    public static final String OCI_VERSION = "1.0.2";
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** CRI-O's {@code default_capabilities}: what an unprivileged container gets unless the pod adds or drops. */
    public static final List<String> DEFAULT_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_KILL");

    /** Paths hidden from unprivileged containers (containerd's and CRI-O's defaults). */
    public static final List<String> DEFAULT_MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore",
            "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
            "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");

    /** Paths mounted read-only in unprivileged containers. */
    public static final List<String> DEFAULT_READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq",
            "/proc/sys", "/proc/sysrq-trigger");

    /** Capability names by number, as in linux/capability.h (0..40). */
    static final List<String> ALL_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
            "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
            "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
            "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    public static final String ANN_CONTAINER_TYPE = "io.kubernetes.cri.container-type";
    public static final String ANN_SANDBOX_ID = "io.kubernetes.cri.sandbox-id";
    public static final String ANN_SANDBOX_NAME = "io.kubernetes.cri.sandbox-name";
    public static final String ANN_SANDBOX_NAMESPACE = "io.kubernetes.cri.sandbox-namespace";
    public static final String ANN_SANDBOX_UID = "io.kubernetes.cri.sandbox-uid";
    public static final String ANN_CONTAINER_NAME = "io.kubernetes.cri.container-name";
    public static final String ANN_IMAGE_NAME = "io.kubernetes.cri.image-name";

    /** Builds config.json as a JSON tree (Map/List, written with Json.write). */
    public static Map<String, Object> generate(SpecInput in) {
        ContainerConfig c = in.config();
        SpecLimits.check(c);
        PodContext pod = in.pod();
        LinuxContainerSecurityContext sc = c.getLinux().getSecurityContext();
        LinuxContainerResources res = c.getLinux().getResources();
        boolean privileged = sc.getPrivileged();
        ImageParts image = ImageParts.of(in.image());
        checkMandatoryAccessControl(sc);
        checkSysctls(pod);

        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("ociVersion", OCI_VERSION);

        Map<String, Object> process = new LinkedHashMap<>();
        process.put("terminal", c.getTty());
        process.put("user", user(in, sc, image));
        process.put("args", args(c, image));
        process.put("env", env(c, pod, image));
        process.put("cwd", cwd(c, image));
        Map<String, Object> capabilities = capabilities(sc, privileged);
        process.put("capabilities", capabilities);
        if (sc.getNoNewPrivs()) {
            process.put("noNewPrivileges", true);
        }
        process.put("oomScoreAdj", (int) Math.max(res.getOomScoreAdj(), in.minOomScoreAdj()));
        spec.put("process", process);

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("path", in.rootfs().toAbsolutePath().toString());
        root.put("readonly", sc.getReadonlyRootfs());
        spec.put("root", root);

        if (pod.utsns() != null && pod.hostname() != null && !pod.hostname().isEmpty()) {
            spec.put("hostname", pod.hostname());
        }

        MountsResult mounts = mounts(c, pod, privileged, sc.getReadonlyRootfs());
        spec.put("mounts", mounts.mounts);
        spec.put("annotations", annotations(in));

        Map<String, Object> linux = new LinkedHashMap<>();
        if (pod.sysctls() != null && !pod.sysctls().isEmpty()) {
            linux.put("sysctl", new LinkedHashMap<>(pod.sysctls()));
        }
        List<Map<String, Object>> deviceRules = new ArrayList<>();
        deviceRules.add(deviceRule(false, null, -1, -1, "rwm"));
        if (privileged) {
            deviceRules.add(deviceRule(true, null, -1, -1, "rwm"));
        }
        List<Map<String, Object>> devices = devices(c, deviceRules);
        if (privileged) {
            devices.addAll(hostDevices(devices));
        }
        linux.put("resources", resources(res, deviceRules));
        linux.put("cgroupsPath", cgroupsPath(in.cgroupDriver(), pod.cgroupParent(), in.containerId()));
        linux.put("namespaces", namespaces(pod));
        if (!devices.isEmpty()) {
            linux.put("devices", devices);
        }
        if (!privileged) {
            linux.put("maskedPaths", sc.getMaskedPathsCount() > 0 ? List.copyOf(sc.getMaskedPathsList()) : DEFAULT_MASKED_PATHS);
            linux.put("readonlyPaths",
                    sc.getReadonlyPathsCount() > 0 ? List.copyOf(sc.getReadonlyPathsList()) : DEFAULT_READONLY_PATHS);
        }
        if (mounts.rootfsPropagation != null) {
            linux.put("rootfsPropagation", mounts.rootfsPropagation);
        }
        @SuppressWarnings("unchecked")
        List<String> effective = (List<String>) capabilities.get("effective");
        Map<String, Object> seccomp = Seccomp.forContainer(sc, privileged, Set.copyOf(effective));
        if (seccomp != null) {
            linux.put("seccomp", seccomp);
        }
        spec.put("linux", linux);
        SpecLimits.check(spec);
        return spec;
    }

    /**
     * The lowest {@code oom_score_adj} Hako may give a container on this host: -1000 with
     * CAP_SYS_RESOURCE, otherwise Hako's own value (the kernel refuses anything lower).
     */
    public static int hostMinOomScoreAdj() {
        try {
            if (currentCapabilities().contains("CAP_SYS_RESOURCE")) {
                return -1000;
            }
            return Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    // ---- process ------------------------------------------------------------------------------

    private static List<String> args(ContainerConfig c, ImageParts image) {
        List<String> out = new ArrayList<>();
        if (c.getCommandCount() > 0) {
            out.addAll(c.getCommandList());
            out.addAll(c.getArgsList());
        } else {
            out.addAll(image.entrypoint);
            out.addAll(c.getArgsCount() > 0 ? c.getArgsList() : image.cmd);
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
        for (String e : image.env) {
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
        if (!image.workingDir.isEmpty()) {
            return image.workingDir;
        }
        return "/";
    }

    private static Map<String, Object> user(SpecInput in, LinuxContainerSecurityContext sc, ImageParts image) {
        RootfsUsers db = RootfsUsers.read(in.rootfs());
        int uid;
        int gid;
        String username = null;
        if (sc.hasRunAsUser()) {
            long v = sc.getRunAsUser().getValue();
            if (v < 0 || v > 0xfffffffeL) {
                throw HakoException.invalidArgument("config.linux.security_context.run_as_user", "uid " + v + " is out of range");
            }
            uid = (int) v;
            RootfsUsers.User u = db.byUid(uid);
            gid = u != null ? u.gid() : 0;
            username = u != null ? u.name() : null;
        } else if (!sc.getRunAsUsername().isEmpty()) {
            String name = sc.getRunAsUsername();
            RootfsUsers.User u = db.byName(name);
            if (u == null) {
                throw HakoException.invalidArgument("config.linux.security_context.run_as_username",
                        "user \"" + name + "\" not found in the image's /etc/passwd");
            }
            uid = u.uid();
            gid = u.gid();
            username = name;
        } else {
            String spec = image.user;
            String userPart = spec;
            String groupPart = null;
            int colon = spec.indexOf(':');
            if (colon >= 0) {
                userPart = spec.substring(0, colon);
                groupPart = spec.substring(colon + 1);
            }
            if (userPart.isEmpty()) {
                uid = 0;
                RootfsUsers.User u = db.byUid(0);
                gid = u != null ? u.gid() : 0;
                username = u != null ? u.name() : null;
            } else {
                Integer numeric = RootfsUsers.parseId(userPart);
                if (numeric != null) {
                    uid = numeric;
                    RootfsUsers.User u = db.byUid(uid);
                    gid = u != null ? u.gid() : 0;
                    username = u != null ? u.name() : null;
                } else {
                    RootfsUsers.User u = db.byName(userPart);
                    if (u == null) {
                        throw HakoException.invalidArgument("image config User",
                                "user \"" + userPart + "\" (from User \"" + spec + "\") not found in the image's /etc/passwd");
                    }
                    uid = u.uid();
                    gid = u.gid();
                    username = userPart;
                }
            }
            if (groupPart != null && !groupPart.isEmpty()) {
                Integer numeric = RootfsUsers.parseId(groupPart);
                if (numeric != null) {
                    gid = numeric;
                } else {
                    RootfsUsers.Group g = db.groupByName(groupPart);
                    if (g == null) {
                        throw HakoException.invalidArgument("image config User",
                                "group \"" + groupPart + "\" (from User \"" + spec + "\") not found in the image's /etc/group");
                    }
                    gid = g.gid();
                }
            }
        }
        if (sc.hasRunAsGroup() && !sc.hasRunAsUser() && sc.getRunAsUsername().isEmpty()) {
            // containerd's rule: a group is only ever given together with a user
            throw HakoException.invalidArgument("config.linux.security_context.run_as_group",
                    "gid " + sc.getRunAsGroup().getValue() + " is given without run_as_user or run_as_username");
        }
        if (sc.hasRunAsGroup()) {
            long v = sc.getRunAsGroup().getValue();
            if (v < 0 || v > 0xfffffffeL) {
                throw HakoException.invalidArgument("config.linux.security_context.run_as_group", "gid " + v + " is out of range");
            }
            gid = (int) v;
        }
        Set<Long> gids = new LinkedHashSet<>();
        gids.add((long) gid);
        if (sc.getSupplementalGroupsPolicy() != SupplementalGroupsPolicy.Strict) {
            for (int g : db.memberships(username)) {
                gids.add((long) g);
            }
        }
        for (long g : sc.getSupplementalGroupsList()) {
            gids.add(g);
        }
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("uid", uid);
        user.put("gid", gid);
        user.put("additionalGids", new ArrayList<>(gids));
        return user;
    }

    private static Map<String, Object> capabilities(LinuxContainerSecurityContext sc, boolean privileged) {
        Capability requested = sc.getCapabilities();
        checkCapabilityNames("add_capabilities", requested.getAddCapabilitiesList(), true);
        checkCapabilityNames("drop_capabilities", requested.getDropCapabilitiesList(), true);
        checkCapabilityNames("add_ambient_capabilities", requested.getAddAmbientCapabilitiesList(), false);
        Set<String> available = currentCapabilities();
        LinkedHashSet<String> caps = new LinkedHashSet<>();
        List<String> ambient = new ArrayList<>();
        if (privileged) {
            caps.addAll(available);
        } else {
            caps.addAll(DEFAULT_CAPABILITIES);
            Capability cap = sc.getCapabilities();
            if (containsAll(cap.getAddCapabilitiesList())) {
                caps.addAll(available);
            }
            if (containsAll(cap.getDropCapabilitiesList())) {
                caps.clear();
            }
            for (String a : cap.getAddCapabilitiesList()) {
                if (!a.equalsIgnoreCase("ALL")) {
                    caps.add(capName(a));
                }
            }
            for (String d : cap.getDropCapabilitiesList()) {
                if (!d.equalsIgnoreCase("ALL")) {
                    caps.remove(capName(d));
                }
            }
            for (String a : cap.getAddAmbientCapabilitiesList()) {
                String n = capName(a);
                caps.add(n);
                if (!ambient.contains(n)) {
                    ambient.add(n);
                }
            }
        }
        // a capability Hako itself lacks cannot be granted: runc's capset would fail the container
        caps.retainAll(available);
        ambient.retainAll(available);
        List<String> set = new ArrayList<>(caps);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bounding", set);
        out.put("effective", set);
        out.put("permitted", set);
        if (!ambient.isEmpty()) {
            out.put("inheritable", ambient);
            out.put("ambient", ambient);
        }
        return out;
    }

    private static void checkCapabilityNames(String field, List<String> names, boolean allowAll) {
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (allowAll && n.equalsIgnoreCase("ALL")) {
                continue;
            }
            if (!ALL_CAPABILITIES.contains(capName(n))) {
                throw HakoException.invalidArgument("config.linux.security_context.capabilities." + field + "[" + i + "]",
                        "unknown capability \"" + n + "\"");
            }
        }
    }

    private static boolean containsAll(List<String> list) {
        for (String s : list) {
            if (s.equalsIgnoreCase("ALL")) {
                return true;
            }
        }
        return false;
    }

    private static String capName(String s) {
        String u = s.toUpperCase(Locale.ROOT);
        return u.startsWith("CAP_") ? u : "CAP_" + u;
    }

    private static volatile Set<String> current;

    /** The capabilities in Hako's own effective set (what runc, run by Hako, can pass on). */
    static Set<String> currentCapabilities() {
        Set<String> c = current;
        if (c != null) {
            return c;
        }
        long mask = -1L;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    mask = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            mask = -1L;
        }
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < ALL_CAPABILITIES.size(); i++) {
            if ((mask & (1L << i)) != 0) {
                out.add(ALL_CAPABILITIES.get(i));
            }
        }
        c = java.util.Collections.unmodifiableSet(out);
        current = c;
        return c;
    }

    // ---- security checks ----------------------------------------------------------------------

    /**
     * AppArmor and SELinux: Hako applies neither, so any profile or label but "unconfined"/empty
     * is refused rather than silently ignored (containerd does the same on hosts without AppArmor).
     */
    private static void checkMandatoryAccessControl(LinuxContainerSecurityContext sc) {
        String apparmor = null;
        if (sc.hasApparmor()) {
            switch (sc.getApparmor().getProfileType()) {
                case Unconfined -> apparmor = null;
                case Localhost -> apparmor = "localhost/" + sc.getApparmor().getLocalhostRef();
                default -> apparmor = "runtime/default";
            }
        } else if (!sc.getApparmorProfile().isEmpty() && !sc.getApparmorProfile().equals("unconfined")) {
            apparmor = sc.getApparmorProfile();
        }
        if (apparmor != null) {
            throw HakoException.failedPrecondition("AppArmor profile \"" + apparmor + "\" requested, but "
                    + (apparmorEnabled() ? "Hako does not apply AppArmor profiles"
                            : "this host has no AppArmor (it is not enabled in the kernel)")
                    + "; use an Unconfined AppArmor profile");
        }
        if (sc.hasSelinuxOptions()) {
            var se = sc.getSelinuxOptions();
            if (!se.getUser().isEmpty() || !se.getRole().isEmpty() || !se.getType().isEmpty() || !se.getLevel().isEmpty()) {
                throw HakoException.failedPrecondition("SELinux options (" + String.join(":", se.getUser(), se.getRole(),
                        se.getType(), se.getLevel()) + ") requested, but " + (selinuxEnabled()
                        ? "Hako does not apply SELinux labels" : "this host has no SELinux (no /sys/fs/selinux)"));
            }
        }
    }

    static boolean apparmorEnabled() {
        try {
            return Files.readString(Path.of("/sys/module/apparmor/parameters/enabled")).strip().equals("Y");
        } catch (IOException e) {
            return false;
        }
    }

    static boolean selinuxEnabled() {
        return Files.exists(Path.of("/sys/fs/selinux/enforce"));
    }

    /**
     * The pod's sysctls must be namespaced, and in a namespace the pod owns: {@code net.*} in its
     * own network namespace; {@code kernel.shm*}, {@code kernel.msg*}, {@code kernel.sem} and
     * {@code fs.mqueue.*} in its own IPC namespace. Anything else would change the host.
     */
    private static void checkSysctls(PodContext pod) {
        if (pod.sysctls() != null) {
            checkSysctls(pod.sysctls(), pod.netns() != null, pod.ipcns() != null, "sandbox config.linux.sysctls");
        }
    }

    /** The rule above, for RunPodSandbox to refuse a pod before anything is made; {@code field} names the map. */
    public static void checkSysctls(Map<String, String> sysctls, boolean ownNetwork, boolean ownIpc, String field) {
        for (String name : sysctls.keySet()) {
            String n = name.replace('/', '.');
            String where = field + "[" + name + "]";
            if (n.startsWith("net.")) {
                if (!ownNetwork) {
                    throw HakoException.invalidArgument(where,
                            "sysctl " + name + " needs the pod's own network namespace, but the pod uses the host's network");
                }
            } else if (n.startsWith("kernel.shm") || n.startsWith("kernel.msg") || n.equals("kernel.sem")
                    || n.startsWith("fs.mqueue.")) {
                if (!ownIpc) {
                    throw HakoException.invalidArgument(where,
                            "sysctl " + name + " needs the pod's own IPC namespace, but the pod uses the host's IPC");
                }
            } else {
                throw HakoException.invalidArgument(where, "sysctl " + name
                        + " is not namespaced (only net.*, kernel.shm*, kernel.msg*, kernel.sem and fs.mqueue.* are allowed)");
            }
        }
    }

    // ---- mounts -------------------------------------------------------------------------------

    private record MountsResult(List<Map<String, Object>> mounts, String rootfsPropagation) {}

    private static MountsResult mounts(ContainerConfig c, PodContext pod, boolean privileged, boolean readonlyRootfs) {
        List<Map<String, Object>> user = new ArrayList<>();
        String rootPropagation = null;
        for (int i = 0; i < c.getMountsCount(); i++) {
            Mount m = c.getMounts(i);
            String field = "config.mounts[" + i + "]";
            if (m.getContainerPath().isEmpty()) {
                throw HakoException.invalidArgument(field + ".container_path", "is empty");
            }
            if (m.getHostPath().isEmpty()) {
                if (m.hasImage()) {
                    throw HakoException.invalidArgument(field + ".image", "image volumes are not supported");
                }
                throw HakoException.invalidArgument(field + ".host_path", "is empty");
            }
            Path host = Path.of(m.getHostPath());
            if (!Files.exists(host)) {
                throw HakoException.invalidArgument(field + ".host_path", m.getHostPath() + " does not exist");
            }
            List<String> opts = new ArrayList<>();
            opts.add("rbind");
            switch (m.getPropagation()) {
                case PROPAGATION_HOST_TO_CONTAINER -> {
                    opts.add("rslave");
                    if (rootPropagation == null) {
                        rootPropagation = "rslave";
                    }
                }
                case PROPAGATION_BIDIRECTIONAL -> {
                    opts.add("rshared");
                    rootPropagation = "rshared";
                }
                default -> opts.add("rprivate");
            }
            opts.add(m.getReadonly() ? "ro" : "rw");
            if (m.getRecursiveReadOnly()) {
                // as the kubelet and containerd require: read-only, and no propagation that could bring rw mounts in
                if (!m.getReadonly()) {
                    throw HakoException.invalidArgument(field + ".recursive_read_only", "needs readonly: true");
                }
                if (m.getPropagation() != MountPropagation.PROPAGATION_PRIVATE) {
                    throw HakoException.invalidArgument(field + ".recursive_read_only",
                            "needs propagation PROPAGATION_PRIVATE, not " + m.getPropagation());
                }
                opts.add("rro");
            }
            user.add(mount(m.getContainerPath(), "bind", m.getHostPath(), opts));
        }
        Set<String> taken = new HashSet<>();
        for (Map<String, Object> m : user) {
            taken.add(clean((String) m.get("destination")));
        }
        // the pod's files, unless the kubelet mounts its own (it does for /etc/hosts outside the host network)
        String rw = readonlyRootfs ? "ro" : "rw";
        addPodFile(user, taken, "/etc/hosts", pod.hostsFile(), rw);
        addPodFile(user, taken, "/etc/resolv.conf", pod.resolvConf(), rw);
        addPodFile(user, taken, "/etc/hostname", pod.hostnameFile(), rw);
        if (pod.shm() != null && !taken.contains("/dev/shm")) {
            user.add(mount("/dev/shm", "bind", pod.shm().toString(), List.of("rbind", "rprivate", "rw")));
            taken.add("/dev/shm");
        }
        // shallow destinations first, so a mount never hides one below it
        user.sort(Comparator.comparingInt(m -> depth((String) m.get("destination"))));

        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> d : defaultMounts(privileged)) {
            if (!taken.contains((String) d.get("destination"))) {
                out.add(d);
            }
        }
        out.addAll(user);
        return new MountsResult(out, rootPropagation);
    }

    private static void addPodFile(List<Map<String, Object>> mounts, Set<String> taken, String dest, Path source, String rw) {
        if (source == null || taken.contains(dest)) {
            return;
        }
        mounts.add(mount(dest, "bind", source.toString(), List.of("rbind", "rprivate", rw)));
        taken.add(dest);
    }

    private static List<Map<String, Object>> defaultMounts(boolean privileged) {
        String sysRw = privileged ? "rw" : "ro";
        List<Map<String, Object>> out = new ArrayList<>();
        out.add(mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        out.add(mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        out.add(mount("/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        out.add(mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        out.add(mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        out.add(mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", sysRw)));
        out.add(mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", sysRw)));
        return out;
    }

    static Map<String, Object> mount(String dest, String type, String source, List<String> options) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("destination", dest);
        m.put("type", type);
        m.put("source", source);
        m.put("options", new ArrayList<>(options));
        return m;
    }

    private static String clean(String p) {
        String s = p.replaceAll("/+", "/");
        return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static int depth(String p) {
        int n = 0;
        for (String s : clean(p).split("/")) {
            if (!s.isEmpty()) {
                n++;
            }
        }
        return n;
    }

    // ---- devices and resources ----------------------------------------------------------------

    private static List<Map<String, Object>> devices(ContainerConfig c, List<Map<String, Object>> rules) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < c.getDevicesCount(); i++) {
            Device d = c.getDevices(i);
            String field = "config.devices[" + i + "]";
            if (d.getContainerPath().isEmpty()) {
                throw HakoException.invalidArgument(field + ".container_path", "is empty");
            }
            Path host = Path.of(d.getHostPath());
            int mode;
            long rdev;
            int uid;
            int gid;
            try {
                mode = (Integer) Files.getAttribute(host, "unix:mode");
                rdev = (Long) Files.getAttribute(host, "unix:rdev");
                uid = (Integer) Files.getAttribute(host, "unix:uid");
                gid = (Integer) Files.getAttribute(host, "unix:gid");
            } catch (IOException | UnsupportedOperationException e) {
                throw HakoException.invalidArgument(field + ".host_path", d.getHostPath() + " does not exist");
            }
            String type = switch (mode & 0170000) {
                case 0020000 -> "c";
                case 0060000 -> "b";
                case 0010000 -> "p";
                default -> throw HakoException.invalidArgument(field + ".host_path",
                        d.getHostPath() + " is not a device node");
            };
            long major = ((rdev >>> 8) & 0xfffL) | ((rdev >>> 32) & ~0xfffL);
            long minor = (rdev & 0xffL) | ((rdev >>> 12) & ~0xffL);
            Map<String, Object> dev = new LinkedHashMap<>();
            dev.put("path", d.getContainerPath());
            dev.put("type", type);
            dev.put("major", major);
            dev.put("minor", minor);
            dev.put("fileMode", mode & 07777);
            dev.put("uid", uid);
            dev.put("gid", gid);
            out.add(dev);
            String perms = d.getPermissions().isEmpty() ? "rwm" : d.getPermissions();
            for (int k = 0; k < perms.length(); k++) {
                if ("rwm".indexOf(perms.charAt(k)) < 0) {
                    throw HakoException.invalidArgument(field + ".permissions",
                            "\"" + perms + "\" is not a combination of r, w and m");
                }
            }
            rules.add(deviceRule(true, type, major, minor, perms));
        }
        return out;
    }

    /** Every char and block device under the host's /dev (as runc's HostDevices), for privileged containers. */
    private static List<Map<String, Object>> hostDevices(List<Map<String, Object>> given) {
        Set<String> taken = new HashSet<>();
        for (Map<String, Object> d : given) {
            taken.add((String) d.get("path"));
        }
        LinkOption noFollow = LinkOption.NOFOLLOW_LINKS;
        Set<String> skipDirs = Set.of("pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev");
        List<Map<String, Object>> out = new ArrayList<>();
        Path dev = Path.of("/dev");
        try {
            Files.walkFileTree(dev, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir,
                        BasicFileAttributes attrs) {
                    return !dir.equals(dev) && skipDirs.contains(dir.getFileName().toString())
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    String p = file.toString();
                    if (attrs.isOther() && !p.equals("/dev/console") && !taken.contains(p)) {
                        try {
                            int mode = (Integer) Files.getAttribute(file, "unix:mode", noFollow);
                            String type = switch (mode & 0170000) {
                                case 0020000 -> "c";
                                case 0060000 -> "b";
                                default -> null;
                            };
                            if (type != null) {
                                long rdev = (Long) Files.getAttribute(file, "unix:rdev", noFollow);
                                Map<String, Object> d = new LinkedHashMap<>();
                                d.put("path", p);
                                d.put("type", type);
                                d.put("major", ((rdev >>> 8) & 0xfffL) | ((rdev >>> 32) & ~0xfffL));
                                d.put("minor", (rdev & 0xffL) | ((rdev >>> 12) & ~0xffL));
                                d.put("fileMode", mode & 07777);
                                d.put("uid", Files.getAttribute(file, "unix:uid", noFollow));
                                d.put("gid", Files.getAttribute(file, "unix:gid", noFollow));
                                out.add(d);
                            }
                        } catch (IOException | UnsupportedOperationException e) {
                            // gone or unreadable: skip it
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // no /dev to list: privileged containers get runc's default devices only
        }
        return out;
    }

    private static Map<String, Object> deviceRule(boolean allow, String type, long major, long minor, String access) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("allow", allow);
        if (type != null) {
            r.put("type", type);
        }
        if (major >= 0) {
            r.put("major", major);
        }
        if (minor >= 0) {
            r.put("minor", minor);
        }
        r.put("access", access);
        return r;
    }

    private static Map<String, Object> resources(LinuxContainerResources r, List<Map<String, Object>> deviceRules) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("devices", deviceRules);
        out.putAll(limits(r));
        return out;
    }

    /**
     * The CPU and memory limits of {@code r} in OCI {@code linux.resources} form, without device rules:
     * what {@code runtime update --resources} applies to a running container. Fields the host's cgroups
     * cannot enforce are left out ({@link HostCgroups#omitted()}), as the runtime would fail on them.
     */
    public static Map<String, Object> limits(LinuxContainerResources r) {
        return limits(r, HostCgroups.current());
    }

    /** As {@link #limits(LinuxContainerResources)}, for the given host. */
    public static Map<String, Object> limits(LinuxContainerResources r, HostCgroups host) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> memory = new LinkedHashMap<>();
        if (host.has("memory")) {
            if (r.getMemoryLimitInBytes() > 0) {
                memory.put("limit", r.getMemoryLimitInBytes());
            }
            if (host.swapAccounting()) {
                if (r.getMemorySwapLimitInBytes() > 0) {
                    memory.put("swap", r.getMemorySwapLimitInBytes());
                } else if (r.getMemoryLimitInBytes() > 0) {
                    memory.put("swap", r.getMemoryLimitInBytes()); // no swap beyond the memory limit
                }
            }
        }
        if (!memory.isEmpty()) {
            out.put("memory", memory);
        }
        Map<String, Object> cpu = new LinkedHashMap<>();
        if (host.has("cpu")) {
            if (r.getCpuShares() > 0) {
                cpu.put("shares", r.getCpuShares());
            }
            if (r.getCpuQuota() != 0) {
                cpu.put("quota", r.getCpuQuota());
            }
            if (r.getCpuPeriod() > 0) {
                cpu.put("period", r.getCpuPeriod());
            }
        }
        if (host.has("cpuset")) {
            if (!r.getCpusetCpus().isEmpty()) {
                cpu.put("cpus", r.getCpusetCpus());
            }
            if (!r.getCpusetMems().isEmpty()) {
                cpu.put("mems", r.getCpusetMems());
            }
        }
        if (!cpu.isEmpty()) {
            out.put("cpu", cpu);
        }
        if (r.getHugepageLimitsCount() > 0 && host.has("hugetlb")) {
            List<Object> pages = new ArrayList<>();
            r.getHugepageLimitsList().forEach(h -> pages.add(Map.of("pageSize", h.getPageSize(), "limit", h.getLimit())));
            out.put("hugepageLimits", pages);
        }
        Map<String, String> unified = new LinkedHashMap<>();
        r.getUnifiedMap().forEach((k, v) -> {
            if (host.supportsUnifiedKey(k)) {
                unified.put(k, v);
            }
        });
        if (!unified.isEmpty()) {
            out.put("unified", unified);
        }
        return out;
    }

    /** {@code linux.cgroupsPath} for the container: a cgroupfs path, or systemd's {@code slice:prefix:name}. */
    public static String cgroupsPath(CgroupDriver driver, String parent, String id) {
        String p = parent == null ? "" : parent.strip();
        if (driver == CgroupDriver.SYSTEMD) {
            String slice = p;
            int slash = slice.lastIndexOf('/');
            if (slash >= 0) {
                slice = slice.substring(slash + 1);
            }
            if (slice.isEmpty()) {
                slice = "system.slice";
            }
            return slice + ":hako:" + id;
        }
        if (p.isEmpty() || p.equals("/")) {
            return "/hako/hako-" + id;
        }
        if (!p.startsWith("/")) {
            p = "/" + p;
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p + "/hako-" + id;
    }

    private static List<Map<String, Object>> namespaces(PodContext pod) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!pod.hostPid()) {
            out.add(namespace("pid", pod.pidns()));
        }
        if (pod.netns() != null) {
            out.add(namespace("network", pod.netns()));
        }
        if (pod.ipcns() != null) {
            out.add(namespace("ipc", pod.ipcns()));
        }
        if (pod.utsns() != null) {
            out.add(namespace("uts", pod.utsns()));
        }
        out.add(namespace("mount", null));
        out.add(namespace("cgroup", null));
        return out;
    }

    static Map<String, Object> namespace(String type, Path path) {
        Map<String, Object> ns = new LinkedHashMap<>();
        ns.put("type", type);
        if (path != null) {
            ns.put("path", path.toString());
        }
        return ns;
    }

    private static Map<String, Object> annotations(SpecInput in) {
        Map<String, Object> out = new LinkedHashMap<>(in.config().getAnnotationsMap());
        PodContext pod = in.pod();
        out.put(ANN_CONTAINER_TYPE, "container");
        out.put(ANN_SANDBOX_ID, nz(pod.podId()));
        out.put(ANN_SANDBOX_NAME, nz(pod.podName()));
        out.put(ANN_SANDBOX_NAMESPACE, nz(pod.podNamespace()));
        out.put(ANN_SANDBOX_UID, nz(pod.podUid()));
        out.put(ANN_CONTAINER_NAME, in.config().getMetadata().getName());
        out.put(ANN_IMAGE_NAME, nz(in.imageName()));
        return out;
    }

    static String nz(String s) {
        return s == null ? "" : s;
    }

    /** The parts of the image config a container spec uses. */
    private record ImageParts(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user) {
        static ImageParts of(dev.hako.image.spec.ImageConfig image) {
            if (image == null) {
                return new ImageParts(List.of(), List.of(), List.of(), "", "");
            }
            Map<String, Object> raw = image.raw();
            Map<?, ?> config = raw != null && raw.get("config") instanceof Map<?, ?> m ? m : Map.of();
            String user = image.user() != null && !image.user().isEmpty() ? image.user()
                    : config.get("User") instanceof String s ? s : "";
            return new ImageParts(strings(config.get("Entrypoint")), strings(config.get("Cmd")), strings(config.get("Env")),
                    config.get("WorkingDir") instanceof String w ? w : "", user);
        }

        private static List<String> strings(Object v) {
            List<String> out = new ArrayList<>();
            if (v instanceof List<?> l) {
                for (Object o : l) {
                    if (o instanceof String s) {
                        out.add(s);
                    }
                }
            }
            return out;
        }
    }
}
