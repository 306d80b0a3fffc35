package dev.hako.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A snapshot of this process's mount table, from {@code /proc/self/mountinfo} (see proc(5)): which
 * paths are mount points and what is mounted there. Mount points are kept as the kernel shows them,
 * so compare them with real paths (no symlinks), as {@link Path#toRealPath} gives.
 */
public final class MountTable {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    /** One line of mountinfo. */
    public record Entry(int id, int parentId, Path mountPoint, String root, String fsType, String source) {}

    private final List<Entry> entries;

    private MountTable(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public static MountTable read() throws IOException {
        return parse(Files.readString(MOUNTINFO, StandardCharsets.UTF_8));
    }

    /** Parses mountinfo text; lines that do not have the documented shape are skipped. */
    public static MountTable parse(String text) {
        List<Entry> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
            String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (f.length < 7 || dash < 0 || dash + 2 >= f.length) {
                continue;
            }
            try {
                out.add(new Entry(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Path.of(unescape(f[4])),
                        unescape(f[3]), unescape(f[dash + 1]), unescape(f[dash + 2])));
            } catch (RuntimeException e) {
                // a line we cannot read cannot be one of ours either
            }
        }
        return new MountTable(out);
    }

    public List<Entry> entries() {
        return entries;
    }

    public boolean isMountPoint(Path path) {
        for (Entry e : entries) {
            if (e.mountPoint().equals(path)) {
                return true;
            }
        }
        return false;
    }

    /** What is mounted at {@code path} (the top of a stack last), or an empty list. */
    public List<Entry> at(Path path) {
        return entries.stream().filter(e -> e.mountPoint().equals(path)).toList();
    }

    /**
     * Every mount at or below {@code dir}, in the order to unmount them: deepest paths first, and at
     * one path the most recent (top) mount first.
     */
    public List<Entry> under(Path dir) {
        List<Entry> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.mountPoint().startsWith(dir)) {
                out.add(e);
            }
        }
        List<Entry> reversed = new ArrayList<>(out.reversed());
        reversed.sort(Comparator.comparingInt((Entry e) -> e.mountPoint().getNameCount()).reversed());
        return reversed;
    }

    /** mountinfo escapes space, tab, newline and backslash as {@code \ooo} octal. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
