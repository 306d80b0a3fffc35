package dev.hako.oci;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The user and group databases of a container's root file system: {@code /etc/passwd} and
 * {@code /etc/group} read from the rootfs, never from the host. Paths are resolved inside the
 * rootfs, so a symlink in the image (even an absolute one) cannot lead to a host file.
 */
final class RootfsUsers {
    record User(String name, int uid, int gid) {}

    record Group(String name, int gid, List<String> members) {}

    private final List<User> users;
    private final List<Group> groups;
    private final Path rootfs;

    private RootfsUsers(Path rootfs, List<User> users, List<Group> groups) {
        this.rootfs = rootfs;
        this.users = users;
        this.groups = groups;
    }

    static RootfsUsers read(Path rootfs) {
        return new RootfsUsers(rootfs, parsePasswd(readLines(rootfs, "/etc/passwd")),
                parseGroup(readLines(rootfs, "/etc/group")));
    }

    Path passwdPath() {
        return rootfs.resolve("etc/passwd");
    }

    Path groupPath() {
        return rootfs.resolve("etc/group");
    }

    User byName(String name) {
        for (User u : users) {
            if (u.name.equals(name)) {
                return u;
            }
        }
        return null;
    }

    User byUid(int uid) {
        for (User u : users) {
            if (u.uid == uid) {
                return u;
            }
        }
        return null;
    }

    Group groupByName(String name) {
        for (Group g : groups) {
            if (g.name.equals(name)) {
                return g;
            }
        }
        return null;
    }

    /** The gids of the groups listing {@code user} as a member, in file order. */
    List<Integer> memberships(String user) {
        List<Integer> out = new ArrayList<>();
        if (user == null || user.isEmpty()) {
            return out;
        }
        for (Group g : groups) {
            if (g.members.contains(user) && !out.contains(g.gid)) {
                out.add(g.gid);
            }
        }
        return out;
    }

    private static List<String> readLines(Path rootfs, String path) {
        Path p = resolveInRoot(rootfs, path);
        if (p == null || !Files.isRegularFile(p)) {
            return List.of();
        }
        try {
            return List.of(Files.readString(p, StandardCharsets.UTF_8).split("\n"));
        } catch (IOException e) {
            return List.of();
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
