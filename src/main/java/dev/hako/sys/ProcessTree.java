package dev.hako.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Killing a process together with everything it started, as /proc shows it: its process group and
 * session (runc makes every exec'd process a session leader, so its children share both, even once
 * it is gone), and every descendant that left them. Only processes started at or after a given
 * moment count, so that a pid the kernel handed out again is never hit.
 */
public final class ProcessTree {
    private ProcessTree() {}

    private static final Path PROC = Path.of("/proc");
    /** USER_HZ: the unit of /proc's start times; 100 on every Linux architecture Hako runs on. */
    private static final long TICKS_PER_SECOND = 100;

    /** What /proc/PID/stat says of one process. */
    record Stat(int pid, char state, int ppid, int pgrp, int session, long startTicks) {}

    /** Now, in /proc start-time units (clock ticks since boot), for {@link #killAll}'s {@code notBefore}. */
    public static long nowTicks() {
        try {
            String up = Files.readString(PROC.resolve("uptime"), StandardCharsets.US_ASCII).strip();
            return (long) (Double.parseDouble(up.substring(0, up.indexOf(' '))) * TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return 0; // cannot tell: only the pid, group and session rules apply
        }
    }

    /**
     * SIGKILLs {@code leader}, the members of its process group and session and all their descendants
     * that started at or after {@code notBefore} (see {@link #nowTicks}), scanning again until none is
     * left alive (a fork may race the first scan), then waits until they are gone or zombies. Bounded by
     * {@code waitMillis}. Returns how many processes were signalled.
     */
    public static int killAll(int leader, long notBefore, long waitMillis) {
        long deadline = System.nanoTime() + waitMillis * 1_000_000L;
        Set<Integer> signalled = new HashSet<>();
        while (true) {
            List<Stat> alive = members(leader, notBefore, scan()).stream().filter(s -> s.state() != 'Z').toList();
            if (alive.isEmpty() || System.nanoTime() > deadline) {
                return signalled.size();
            }
            for (Stat s : alive) {
                try {
                    ProcCalls.kill(s.pid(), 9);
                    signalled.add(s.pid());
                } catch (IOException e) {
                    // already gone
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return signalled.size();
            }
        }
    }

    /** The leader, its group and session, and their descendants, among {@code all}. */
    static List<Stat> members(int leader, long notBefore, Map<Integer, Stat> all) {
        Map<Integer, List<Stat>> children = new HashMap<>();
        for (Stat s : all.values()) {
            children.computeIfAbsent(s.ppid(), k -> new ArrayList<>()).add(s);
        }
        List<Stat> out = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        List<Stat> todo = new ArrayList<>();
        for (Stat s : all.values()) {
            if ((s.pid() == leader || s.pgrp() == leader || s.session() == leader) && s.startTicks() >= notBefore) {
                todo.add(s);
            }
        }
        while (!todo.isEmpty()) {
            Stat s = todo.removeLast();
            if (!seen.add(s.pid())) {
                continue;
            }
            out.add(s);
            for (Stat c : children.getOrDefault(s.pid(), List.of())) {
                if (c.startTicks() >= notBefore) {
                    todo.add(c);
                }
            }
        }
        return out;
    }

    /** Every process /proc lists now. */
    static Map<Integer, Stat> scan() {
        Map<Integer, Stat> out = new HashMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                try {
                    Stat s = parse(Files.readString(d.resolve("stat"), StandardCharsets.UTF_8));
                    out.put(s.pid(), s);
                } catch (IOException | RuntimeException e) {
                    // exited while we looked
                }
            }
        } catch (IOException e) {
            // /proc unreadable: nothing to find
        }
        return out;
    }

    /** One /proc/PID/stat line; the command name may hold spaces and parentheses, so fields count from the last ')'. */
    static Stat parse(String line) {
        int open = line.indexOf('(');
        int close = line.lastIndexOf(')');
        int pid = Integer.parseInt(line.substring(0, open).strip());
        String[] f = line.substring(close + 2).split(" ");
        // f[0] state, f[1] ppid, f[2] pgrp, f[3] session, ..., f[19] starttime (field 22 of the whole line)
        return new Stat(pid, f[0].charAt(0), Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                Long.parseLong(f[19]));
    }
}
