package dev.hako.stats;

/**
 * One reading of a cgroup's accounting files.
 *
 * @param cpuNanos   cumulative CPU time in nanoseconds
 * @param usage      memory in use (v1 usage_in_bytes, v2 memory.current)
 * @param workingSet usage minus inactive file pages, at least 0
 * @param processes  processes in the cgroup (lines of cgroup.procs)
 */
public record CgroupSample(long cpuNanos, long usage, long workingSet, long rss, long pageFaults,
                           long majorPageFaults, long processes) {

    static final CgroupSample ZERO = new CgroupSample(0, 0, 0, 0, 0, 0, 0);

    CgroupSample plus(CgroupSample o) {
        return new CgroupSample(cpuNanos + o.cpuNanos, usage + o.usage, workingSet + o.workingSet, rss + o.rss,
                pageFaults + o.pageFaults, majorPageFaults + o.majorPageFaults, processes + o.processes);
    }
}
