package dev.hako.spec;

import dev.hako.log.Log;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;

/**
 * The user and group databases of a container's root file system: {@code /etc/passwd} and
 * {@code /etc/group} read from the rootfs, never from the host. Paths are resolved inside the
 * rootfs, so a symlink in the image (even an absolute one) cannot lead to a host file.
 *
 * <p>The files are the image's, so they may be hostile: each lookup streams the file line by line,
 * keeps only what matches, and reads at most {@link #MAX_FILE_BYTES}; a line longer than
 * {@link #MAX_LINE_BYTES} is skipped whole. Entries beyond the cap are not seen (a user named only
 * there is "not found", which CreateContainer reports).
 */
final class RootfsUsers {
    private static final Log LOG = Log.of("oci");
    /** Room for ~100,000 accounts of 80 bytes: more than any image's own files hold. */
    static final int MAX_FILE_BYTES = 8 << 20;
    /** A group line listing some 6,000 members; longer lines come from no real image. */
    static final int MAX_LINE_BYTES = 64 << 10;

    record User(String name, int uid, int gid) {}

    record Group(String name, int gid, List<String> members) {}

    private final Path rootfs;

    private RootfsUsers(Path rootfs) {
        this.rootfs = rootfs;
    }

    static RootfsUsers read(Path rootfs) {
        return new RootfsUsers(rootfs);
    }

    Path passwdPath() {
        return rootfs.resolve("etc/passwd");
    }

    Path groupPath() {
        return rootfs.resolve("etc/group");
    }

    /** The first entry named {@code name}, as getpwnam answers. */
    User byName(String name) {
        return firstUser(u -> u.name.equals(name));
    }

    User byUid(int uid) {
        return firstUser(u -> u.uid == uid);
    }

    Group groupByName(String name) {
        Group[] found = new Group[1];
        scan("/etc/group", line -> {
            List<Group> g = parseGroup(List.of(line));
            if (!g.isEmpty() && g.getFirst().name.equals(name)) {
                found[0] = g.getFirst();
                return false;
            }
            return true;
        });
        return found[0];
    }

    /** The gids of the groups listing {@code user} as a member, in file order. */
    List<Integer> memberships(String user) {
        List<Integer> out = new ArrayList<>();
        if (user == null || user.isEmpty()) {
            return out;
        }
        scan("/etc/group", line -> {
            for (Group g : parseGroup(List.of(line))) {
                if (g.members.contains(user) && !out.contains(g.gid)) {
                    out.add(g.gid);
                }
            }
            return true;
        });
        return out;
    }

    private User firstUser(Predicate<User> wanted) {
        User[] found = new User[1];
        scan("/etc/passwd", line -> {
            List<User> u = parsePasswd(List.of(line));
            if (!u.isEmpty() && wanted.test(u.getFirst())) {
                found[0] = u.getFirst();
                return false;
            }
            return true;
        });
        return found[0];
    }

    /** Returns false to stop the scan. */
    @FunctionalInterface
    interface LineVisitor {
        boolean line(String line);
    }

    /**
     * Feeds the lines of {@code path} (inside the rootfs) to {@code visitor}, within the caps. A
     * missing or unreadable file, or one that is not a regular file (a FIFO would block), has no lines.
     */
    void scan(String path, LineVisitor visitor) {
        Path p = resolveInRoot(rootfs, path);
        if (p == null || !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[64 * 1024];
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean skipping = false;
            long total = 0;
            int n;
            while (total < MAX_FILE_BYTES && (n = in.read(buf, 0, (int) Math.min(buf.length, MAX_FILE_BYTES - total))) > 0) {
                total += n;
                int from = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] != '\n') {
                        continue;
                    }
                    if (!skipping && line.size() + (i - from) <= MAX_LINE_BYTES) {
                        line.write(buf, from, i - from);
                        if (!visitor.line(line.toString(StandardCharsets.UTF_8))) {
                            return;
                        }
                    }
                    line.reset();
                    skipping = false;
                    from = i + 1;
                }
                if (!skipping && line.size() + (n - from) <= MAX_LINE_BYTES) {
                    line.write(buf, from, n - from);
                } else {
                    line.reset();
                    skipping = true;
                }
            }
            boolean cut = total >= MAX_FILE_BYTES && in.read() >= 0;
            if (!cut && !skipping && line.size() > 0) {
                visitor.line(line.toString(StandardCharsets.UTF_8)); // a last line without a newline
            }
            if (cut) {
                LOG.warn("image file is larger than the part Hako reads; users and groups after it are not found: use numeric ids",
                        "path", path,
                        "rootfs", rootfs, "bytes_read", MAX_FILE_BYTES);
            }
        } catch (IOException e) {
            // unreadable: no entries, as for a missing file
        }
    }

    static List<User> parsePasswd(List<String> lines) {
        List<User> out = new ArrayList<>();
        for (String line : lines) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith("+") || l.startsWith("-")) {
                continue;
            }
            String[] f = l.split(":", -1);
            if (f.length < 4) {
                continue;
            }
            Integer uid = parseId(f[2]);
            Integer gid = parseId(f[3]);
            if (uid == null || gid == null) {
                continue;
            }
            out.add(new User(f[0], uid, gid));
        }
        return out;
    }

    static List<Group> parseGroup(List<String> lines) {
        List<Group> out = new ArrayList<>();
        for (String line : lines) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith("+") || l.startsWith("-")) {
                continue;
            }
            String[] f = l.split(":", -1);
            if (f.length < 3) {
                continue;
            }
            Integer gid = parseId(f[2]);
            if (gid == null) {
                continue;
            }
            List<String> members = new ArrayList<>();
            if (f.length > 3) {
                for (String m : f[3].split(",")) {
                    if (!m.strip().isEmpty()) {
                        members.add(m.strip());
                    }
                }
            }
            out.add(new Group(f[0], gid, List.copyOf(members)));
        }
        return out;
    }

    /** A decimal id in 0..2^32-2, or null. */
    static Integer parseId(String s) {
        if (s.isEmpty() || s.length() > 10) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return null;
            }
        }
        long v = Long.parseLong(s);
        if (v > 0xfffffffeL) {
            return null;
        }
        return (int) v;
    }

    /**
     * {@code path} (absolute, as seen inside the container) resolved under {@code rootfs}, following
     * symlinks as the container would see them: an absolute target starts again at the rootfs, and
     * {@code ..} never climbs above it. Null when the links loop.
     */
    static Path resolveInRoot(Path rootfs, String path) {
        Deque<String> todo = new ArrayDeque<>();
        push(todo, path);
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.pop();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.removeLast();
                }
                continue;
            }
            Path candidate = join(rootfs, done).resolve(c);
            if (Files.isSymbolicLink(candidate)) {
                if (++links > 40) {
                    return null;
                }
                String target;
                try {
                    target = Files.readSymbolicLink(candidate).toString();
                } catch (IOException e) {
                    return null;
                }
                if (target.startsWith("/")) {
                    done.clear();
                }
                push(todo, target);
                continue;
            }
            done.add(c);
            if (!todo.isEmpty() && !Files.isDirectory(candidate, LinkOption.NOFOLLOW_LINKS)) {
                // a missing component: the rest cannot exist either, but keep the lexical path
                for (String rest : todo) {
                    if (!rest.isEmpty() && !rest.equals(".") && !rest.equals("..")) {
                        done.add(rest);
                    }
                }
                todo.clear();
            }
        }
        return join(rootfs, done);
    }

    private static void push(Deque<String> todo, String path) {
        String[] parts = path.split("/");
        for (int i = parts.length - 1; i >= 0; i--) {
            todo.push(parts[i]);
        }
    }

    private static Path join(Path rootfs, List<String> parts) {
        Path p = rootfs;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }
}
