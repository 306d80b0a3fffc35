package dev.hako.stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Reads and parses the cgroup v1 and v2 accounting files the stats need. */
public final class CgroupFiles {
    private CgroupFiles() {}

    /** A flat-keyed file ({@code memory.stat}, {@code cpu.stat}): one "key value" per line. */
    public static Map<String, Long> parseKeyed(String text) {
        Map<String, Long> out = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length == 2) {
                try {
                    out.put(f[0], Long.parseUnsignedLong(f[1]));
                } catch (NumberFormatException ignored) {
                    // not a counter
                }
            }
        }
        return out;
    }

    /** A single-value file ({@code cpuacct.usage}, {@code memory.current}); "max" and garbage read as 0. */
    public static long parseValue(String text) {
        try {
            return Long.parseUnsignedLong(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Reads the cgroup's files; an IOException when the cgroup is gone (or never existed). */
    public static CgroupSample read(CgroupPaths.Dirs dirs) throws IOException {
        CgroupSample s = dirs.v2()
                ? fromV2(Files.readString(dirs.cpu().resolve("cpu.stat")),
                        Files.readString(dirs.memory().resolve("memory.current")),
                        Files.readString(dirs.memory().resolve("memory.stat")), procs(dirs.cpu()))
                : fromV1(Files.readString(dirs.cpu().resolve("cpuacct.usage")),
                        Files.readString(dirs.memory().resolve("memory.usage_in_bytes")),
                        Files.readString(dirs.memory().resolve("memory.stat")), procs(dirs.cpu()));
        return s.withLimit(limit(dirs.memory().resolve(dirs.v2() ? "memory.max" : "memory.limit_in_bytes")));
    }

    /**
     * A memory limit file: "max" (v2) or v1's page-rounded "no limit" (near 2^63) read as 0, none; a file that
     * cannot be read as 0 too (the limit is extra information, not worth failing a sample for).
     */
    public static long limit(Path file) {
        try {
            return limitValue(Files.readString(file));
        } catch (IOException e) {
            return 0;
        }
    }

    static long limitValue(String text) {
        long v = parseValue(text);
        return v <= 0 || v >= NO_LIMIT ? 0 : v;
    }

    /** At or above this a v1 limit means none (the kernel writes PAGE_COUNTER_MAX in bytes, 2^63 rounded to pages). */
    private static final long NO_LIMIT = 1L << 62;

    /** cgroup v1: hierarchical {@code total_*} counters of memory.stat when present. */
    public static CgroupSample fromV1(String cpuacctUsage, String usageInBytes, String memoryStat, long processes) {
        Map<String, Long> stat = parseKeyed(memoryStat);
        long usage = parseValue(usageInBytes);
        long inactive = pick(stat, "total_inactive_file", "inactive_file");
        return new CgroupSample(parseValue(cpuacctUsage), usage, Math.max(0, usage - inactive),
                pick(stat, "total_rss", "rss"), pick(stat, "total_pgfault", "pgfault"),
                pick(stat, "total_pgmajfault", "pgmajfault"), processes);
    }

    /** cgroup v2: cpu.stat usage_usec, memory.current, memory.stat anon/inactive_file/pgfault/pgmajfault. */
    public static CgroupSample fromV2(String cpuStat, String memoryCurrent, String memoryStat, long processes) {
        Map<String, Long> cpu = parseKeyed(cpuStat);
        Map<String, Long> stat = parseKeyed(memoryStat);
        long usage = parseValue(memoryCurrent);
        return new CgroupSample(cpu.getOrDefault("usage_usec", 0L) * 1000, usage,
                Math.max(0, usage - stat.getOrDefault("inactive_file", 0L)), stat.getOrDefault("anon", 0L),
                stat.getOrDefault("pgfault", 0L), stat.getOrDefault("pgmajfault", 0L), processes);
    }

    private static long pick(Map<String, Long> stat, String key, String fallback) {
        Long v = stat.get(key);
        return v != null ? v : stat.getOrDefault(fallback, 0L);
    }

    private static long procs(Path dir) {
        try {
            return Files.readString(dir.resolve("cgroup.procs")).lines().filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            return 0;
        }
    }
}
