package dev.hako.oci;

import dev.hako.log.Log;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which cgroup controllers this host can really enforce, so that a container's resources ask the
 * runtime only for limits it can set. The kubelet sends a hugepage limit for every page size the
 * kernel lists, whether or not a hugetlb hierarchy exists, and runc then fails the whole container
 * ("cannot set hugetlb limit"); containerd and CRI-O leave such fields out, and so does Hako.
 *
 * <p>cgroup v1 (also hybrid hosts, whose v2 hierarchy at {@code /sys/fs/cgroup/unified} runc does not
 * use for limits): a controller counts when a v1 hierarchy carrying it is mounted. cgroup v2: when it
 * is listed in the root's {@code cgroup.controllers}. Swap limits also need the kernel's swap
 * accounting ({@code memory.memsw.*} on v1, {@code memory.swap.max} on v2).
 *
 * @param mode           {@code v1}, {@code v1-hybrid} or {@code v2}
 * @param controllers    the controllers limits can be set through
 * @param swapAccounting whether memory+swap limits can be set
 */
public record HostCgroups(String mode, Set<String> controllers, boolean swapAccounting) {
    private static final Log LOG = Log.of("cgroups");
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
    private static final Path ROOT = Path.of("/sys/fs/cgroup");
    /** The v1 controller names a hierarchy's super options can carry. */
    private static final Set<String> V1_CONTROLLERS = Set.of("cpu", "cpuacct", "cpuset", "memory", "devices",
            "freezer", "net_cls", "net_prio", "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc");

    private static volatile HostCgroups current;

    public HostCgroups {
        controllers = Set.copyOf(controllers);
    }

    /** The host's cgroups, detected at first use; logs once what containers' resources will leave out. */
    public static HostCgroups current() {
        HostCgroups c = current;
        return c != null ? c : refresh();
    }

    /** Detects again (Status calls this: a hierarchy may be mounted later); logs when the answer changed. */
    public static synchronized HostCgroups refresh() {
        HostCgroups fresh = detect(read(MOUNTINFO), ROOT);
        if (!fresh.equals(current)) {
            Map<String, String> omitted = fresh.omitted();
            if (omitted.isEmpty()) {
                LOG.info("cgroup controllers", "mode", fresh.mode, "controllers", String.join(",", fresh.sorted()));
            } else {
                omitted.forEach((field, why) -> LOG.warn(
                        "container resources leave out a field this host cannot enforce; containers run without it",
                        "field", field, "reason", why));
            }
            current = fresh;
        }
        return fresh;
    }

    /** Detection from a mountinfo text and the cgroup root (for tests: any directory). */
    public static HostCgroups detect(String mountinfo, Path root) {
        Set<String> v1 = new TreeSet<>();
        boolean v2Root = false;
        boolean unified = false;
        Path memoryMount = null;
        for (String line : mountinfo.split("\n")) {
            int dash = line.indexOf(" - ");
            String[] fields = line.split(" ");
            if (dash < 0 || fields.length < 5) {
                continue;
            }
            String[] tail = line.substring(dash + 3).split(" ");
            String fsType = tail[0];
            Path mountPoint = Path.of(fields[4].replace("\\040", " "));
            if (fsType.equals("cgroup2")) {
                if (mountPoint.equals(root)) {
                    v2Root = true;
                } else {
                    unified = true;
                }
            } else if (fsType.equals("cgroup") && tail.length >= 3) {
                for (String option : tail[2].split(",")) {
                    if (V1_CONTROLLERS.contains(option)) {
                        v1.add(option);
                        if (option.equals("memory")) {
                            memoryMount = mountPoint;
                        }
                    }
                }
            }
        }
        if (v2Root) {
            Set<String> listed = new TreeSet<>(Arrays.asList(read(root.resolve("cgroup.controllers")).strip().split("\\s+")));
            listed.remove("");
            // the root has no memory.swap.max; the daemon's own cgroup (or any child) shows whether swap is accounted
            boolean swap = listed.contains("memory") && (Files.exists(ownV2Cgroup(root).resolve("memory.swap.max"))
                    || Files.exists(root.resolve("init.scope/memory.swap.max")));
            return new HostCgroups("v2", listed, swap);
        }
        boolean swap = memoryMount != null && Files.exists(memoryMount.resolve("memory.memsw.limit_in_bytes"));
        return new HostCgroups(unified ? "v1-hybrid" : "v1", v1, swap);
    }

    public boolean v2() {
        return mode.equals("v2");
    }

    /** v1 controllers with an (unused for limits) v2 hierarchy beside them: crun refuses such hosts. */
    public boolean hybrid() {
        return mode.equals("v1-hybrid") && !controllers.isEmpty();
    }

    public boolean has(String controller) {
        return controllers.contains(controller);
    }

    /**
     * The CRI resource fields this host cannot enforce, each with the reason: what the spec generator ({@code dev.hako.spec})
     * leaves out of every container's {@code linux.resources}.
     */
    public Map<String, String> omitted() {
        Map<String, String> out = new LinkedHashMap<>();
        if (!has("memory")) {
            out.put("memory", missing("memory"));
        } else if (!swapAccounting) {
            out.put("memory_swap_limit_in_bytes", "the kernel does not account swap in the memory controller");
        }
        if (!has("cpu")) {
            out.put("cpu_shares/cpu_quota/cpu_period", missing("cpu"));
        }
        if (!has("cpuset")) {
            out.put("cpuset_cpus/cpuset_mems", missing("cpuset"));
        }
        if (!has("hugetlb")) {
            out.put("hugepage_limits", missing("hugetlb"));
        }
        if (!v2()) {
            out.put("unified", "cgroup v2 keys need a cgroup v2 host; this one is " + mode);
        } else {
            for (String c : List.of("io", "pids", "rdma")) {
                if (!has(c)) {
                    out.put("unified " + c + ".*", missing(c));
                }
            }
        }
        return out;
    }

    private String missing(String controller) {
        return v2() ? "the " + controller + " controller is not in cgroup.controllers (cgroup v2)"
                : "no " + controller + " hierarchy is mounted (cgroup " + mode + ")";
    }

    /** Whether a cgroup v2 {@code unified} key ({@code controller.file}) can be written on this host. */
    public boolean supportsUnifiedKey(String key) {
        if (!v2()) {
            return false;
        }
        int dot = key.indexOf('.');
        String controller = dot < 0 ? key : key.substring(0, dot);
        // cgroup.* and the core files are always there; everything else belongs to a controller
        return controller.equals("cgroup") || has(controller);
    }

    /** For verbose Status / {@code hako info}: mode, controllers and what is left out. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", mode);
        out.put("controllers", sorted());
        out.put("swapAccounting", swapAccounting);
        out.put("omitted", omitted());
        return out;
    }

    private List<String> sorted() {
        return List.copyOf(new TreeSet<>(controllers));
    }

    private static Path ownV2Cgroup(Path root) {
        for (String line : read(Path.of("/proc/self/cgroup")).split("\n")) {
            if (line.startsWith("0::/") && line.length() > 4) {
                return root.resolve(line.substring(4));
            }
        }
        return root;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
