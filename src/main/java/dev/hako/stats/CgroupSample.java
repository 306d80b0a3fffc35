package dev.hako.stats;

/**
 * One reading of a cgroup's accounting files.
 *
 * @param cpuNanos   cumulative CPU time in nanoseconds
 * @param usage      memory in use (v1 usage_in_bytes, v2 memory.current)
 * @param workingSet usage minus inactive file pages, at least 0
 * @param processes  processes in the cgroup (lines of cgroup.procs)
 * @param limit      memory limit in bytes (v1 limit_in_bytes, v2 memory.max); 0 when there is none
 */
public record CgroupSample(long cpuNanos, long usage, long workingSet, long rss, long pageFaults,
                           long majorPageFaults, long processes, long limit) {

    static final CgroupSample ZERO = new CgroupSample(0, 0, 0, 0, 0, 0, 0, 0);

    /** A reading without a memory limit. */
    public CgroupSample(long cpuNanos, long usage, long workingSet, long rss, long pageFaults, long majorPageFaults,
                        long processes) {
        this(cpuNanos, usage, workingSet, rss, pageFaults, majorPageFaults, processes, 0);
    }

    CgroupSample withLimit(long bytes) {
        return new CgroupSample(cpuNanos, usage, workingSet, rss, pageFaults, majorPageFaults, processes, bytes);
    }

    /** The memory left before the limit, as cAdvisor counts it (limit − working set); -1 without a limit. */
    public long available() {
        return limit > 0 ? Math.max(0, limit - workingSet) : -1;
    }

    /** Sums of two readings (a pod's containers); the limit only when both have one. */
    CgroupSample plus(CgroupSample o) {
        return new CgroupSample(cpuNanos + o.cpuNanos, usage + o.usage, workingSet + o.workingSet, rss + o.rss,
                pageFaults + o.pageFaults, majorPageFaults + o.majorPageFaults, processes + o.processes,
                limit > 0 && o.limit > 0 ? limit + o.limit : 0);
    }
}
