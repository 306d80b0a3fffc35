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
        return dirs.v2()
                ? fromV2(Files.readString(dirs.cpu().resolve("cpu.stat")),
                        Files.readString(dirs.memory().resolve("memory.current")),
                        Files.readString(dirs.memory().resolve("memory.stat")), procs(dirs.cpu()))
                : fromV1(Files.readString(dirs.cpu().resolve("cpuacct.usage")),
                        Files.readString(dirs.memory().resolve("memory.usage_in_bytes")),
                        Files.readString(dirs.memory().resolve("memory.stat")), procs(dirs.cpu()));
    }

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
