package dev.hako.cri;

import dev.hako.cri.v1.HugepageLimit;
import dev.hako.cri.v1.Int64Value;
import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.error.HakoException;
import dev.hako.oci.HostCgroups;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The ranges the kernel and runc accept for CPU, memory and identity numbers, checked before any
 * runtime sees them so a bad value is INVALID_ARGUMENT naming the field, not a runtime's error.
 */
final class ResourceChecks {
    /** The smallest memory limit Hako passes on (Docker's minimum, 6 MiB): runc's own set-up needs ~2.5 MiB. */
    static final long MIN_MEMORY = 6L * 1024 * 1024;
    static final long MIN_CPU_SHARES = 2;
    static final long MAX_CPU_SHARES = 262_144;
    /** CFS period bounds in µs (kernel: 1 ms to 1 s). */
    static final long MIN_CFS_PERIOD = 1_000;
    static final long MAX_CFS_PERIOD = 1_000_000;
    /** CFS quota bounds in µs: at least 1 ms; at most the kernel's max_cfs_runtime (2^44-1 µs). */
    static final long MIN_CFS_QUOTA = 1_000;
    static final long MAX_CFS_QUOTA = (1L << 44) - 1;
    /**
     * The largest uid or gid: uid_t has 32 bits, but runc refuses ids above 2^31-1 ("uids and gids must be
     * in range 0-2147483647"), and the Kubernetes API validates runAsUser, runAsGroup and supplemental
     * groups to the same range.
     */
    static final long MAX_ID = Integer.MAX_VALUE;
    /** NGROUPS_MAX, less one for the primary group that joins the supplemental ones. */
    static final int MAX_SUPPLEMENTAL_GROUPS = 65_535;
    private static final Pattern PAGE_SIZE = Pattern.compile("[1-9][0-9]{0,6}(KB|MB|GB)");
    private static final Pattern UNIFIED_KEY = Pattern.compile("[a-z][a-z0-9_]*\\.[a-z0-9_.]+");

    private ResourceChecks() {}

    static void check(LinuxContainerResources r, String field) {
        if (r.getCpuShares() != 0 && (r.getCpuShares() < MIN_CPU_SHARES || r.getCpuShares() > MAX_CPU_SHARES)) {
            throw HakoException.invalidArgument(field + ".cpu_shares", r.getCpuShares() + " is not 0 or between "
                    + MIN_CPU_SHARES + " and " + MAX_CPU_SHARES);
        }
        if (r.getCpuPeriod() != 0 && (r.getCpuPeriod() < MIN_CFS_PERIOD || r.getCpuPeriod() > MAX_CFS_PERIOD)) {
            throw HakoException.invalidArgument(field + ".cpu_period", r.getCpuPeriod() + " µs is not 0 or between "
                    + MIN_CFS_PERIOD + " and " + MAX_CFS_PERIOD);
        }
        long quota = r.getCpuQuota();
        if (quota != 0 && quota != -1 && (quota < MIN_CFS_QUOTA || quota > MAX_CFS_QUOTA)) {
            throw HakoException.invalidArgument(field + ".cpu_quota", quota + " µs is not 0, -1 (no limit) or between "
                    + MIN_CFS_QUOTA + " and " + MAX_CFS_QUOTA);
        }
        long memory = r.getMemoryLimitInBytes();
        if (memory != 0 && memory < MIN_MEMORY) {
            throw HakoException.invalidArgument(field + ".memory_limit_in_bytes", memory + " is not 0 (no limit) or at least "
                    + MIN_MEMORY + " (6 MiB)");
        }
        long swap = r.getMemorySwapLimitInBytes();
        if (swap < -1 || swap > 0 && (memory == 0 || swap < memory)) {
            throw HakoException.invalidArgument(field + ".memory_swap_limit_in_bytes", swap
                    + " must be 0, -1 or at least the memory limit (" + memory + "), which must be set");
        }
        if (r.getOomScoreAdj() < -1000 || r.getOomScoreAdj() > 1000) {
            throw HakoException.invalidArgument(field + ".oom_score_adj", r.getOomScoreAdj() + " is not between -1000 and 1000");
        }
        cpuList(r.getCpusetCpus(), field + ".cpuset_cpus", Path.of("/sys/devices/system/cpu/online"), "CPUs");
        cpuList(r.getCpusetMems(), field + ".cpuset_mems", Path.of("/sys/devices/system/node/online"), "memory nodes");
        List<HugepageLimit> pages = r.getHugepageLimitsList();
        for (int i = 0; i < pages.size(); i++) {
            if (!PAGE_SIZE.matcher(pages.get(i).getPageSize()).matches()) {
                throw HakoException.invalidArgument(field + ".hugepage_limits[" + i + "].page_size", "\""
                        + Echo.of(pages.get(i).getPageSize()) + "\" is not a page size such as 2MB or 1GB");
            }
        }
        unified(r.getUnifiedMap(), field + ".unified");
    }

    /** cgroup v2 files by name: only on a cgroup v2 host, and only names of the form controller.file. */
    private static void unified(Map<String, String> unified, String field) {
        if (unified.isEmpty()) {
            return;
        }
        HostCgroups host = HostCgroups.current();
        if (!host.v2()) {
            throw HakoException.invalidArgument(field, "cgroup v2 settings (" + Echo.of(String.join(", ", unified.keySet()))
                    + ") need a cgroup v2 host; this one is " + host.mode());
        }
        for (String key : unified.keySet()) {
            if (!UNIFIED_KEY.matcher(key).matches()) {
                throw HakoException.invalidArgument(field, "\"" + Echo.of(key)
                        + "\" is not a cgroup v2 file name (controller.file)");
            }
        }
    }

    /**
     * A cpuset list ("0-3,6"): well formed, ranges ascending, and naming only CPUs (or NUMA nodes)
     * this host has online, which is all the kernel accepts. Without the sysfs file, only the syntax.
     */
    private static void cpuList(String list, String field, Path online, String what) {
        if (list.isEmpty()) {
            return;
        }
        BitSet wanted = parseList(list);
        if (wanted == null) {
            throw HakoException.invalidArgument(field, "\"" + Echo.of(list) + "\" is not a list of " + what
                    + " such as 0-3,6");
        }
        BitSet host;
        try {
            host = Files.isReadable(online) ? parseList(Files.readString(online).strip()) : null;
        } catch (IOException e) {
            host = null;
        }
        if (host == null && what.equals("memory nodes")) {
            host = new BitSet();
            host.set(0); // no NUMA: node 0 is all there is
        }
        if (host != null) {
            BitSet missing = (BitSet) wanted.clone();
            missing.andNot(host);
            if (!missing.isEmpty()) {
                throw HakoException.invalidArgument(field, "\"" + Echo.of(list) + "\" names " + what
                        + " this node does not have (online: " + host.toString().replace(" ", "") + ")");
            }
        }
    }

    /** The members of a kernel list ("0-3,6"), or null when it is not one. */
    static BitSet parseList(String list) {
        if (list.isEmpty() || list.length() > RequestLimits.PATH_MAX) {
            return null;
        }
        BitSet out = new BitSet();
        for (String part : list.split(",", -1)) {
            int dash = part.indexOf('-');
            int from = number(dash < 0 ? part : part.substring(0, dash));
            int to = dash < 0 ? from : number(part.substring(dash + 1));
            if (from < 0 || to < from) {
                return null;
            }
            out.set(from, to + 1);
        }
        return out;
    }

    /** 1 to 5 decimal digits, or -1. */
    private static int number(String s) {
        if (s.isEmpty() || s.length() > 5) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Integer.parseInt(s);
    }

    /** A uid or gid. */
    /**
     * The user, group (null where the security context sets none) and supplemental groups a pod's or a
     * container's security context {@code field} runs as.
     */
    static void runAs(Int64Value runAsUser, Int64Value runAsGroup, List<Long> supplementalGroups, String field) {
        if (runAsUser != null) {
            id(runAsUser, field + ".run_as_user");
        }
        if (runAsGroup != null) {
            id(runAsGroup, field + ".run_as_group");
        }
        groups(supplementalGroups, field + ".supplemental_groups");
    }

    static void id(Int64Value value, String field) {
        id(value.getValue(), field);
    }

    static void id(long value, String field) {
        if (value < 0 || value > MAX_ID) {
            throw HakoException.invalidArgument(field, value + " is not between 0 and " + MAX_ID);
        }
    }

    static void groups(List<Long> groups, String field) {
        if (groups.size() > MAX_SUPPLEMENTAL_GROUPS) {
            throw HakoException.invalidArgument(field, groups.size() + " groups, more than the "
                    + MAX_SUPPLEMENTAL_GROUPS + " a process can have besides its own");
        }
        for (int i = 0; i < groups.size(); i++) {
            id(groups.get(i), field + "[" + i + "]");
        }
    }
}
