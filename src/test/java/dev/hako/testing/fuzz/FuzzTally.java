package dev.hako.testing.fuzz;

import io.grpc.Status;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Sorts fuzz outcomes: OK, a clean error (a status that tells the client what was wrong with its
 * request or the node), INTERNAL/UNKNOWN (and the other codes a daemon only gives when it lost
 * track), or a timeout (no answer within the deadline).
 */
public final class FuzzTally {
    /** Answers a kubelet can act on. UNAVAILABLE is a registry that cannot be reached (the daemon is checked separately). */
    private static final Set<Status.Code> CLEAN = EnumSet.of(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND,
            Status.Code.ALREADY_EXISTS, Status.Code.FAILED_PRECONDITION, Status.Code.OUT_OF_RANGE,
            Status.Code.UNIMPLEMENTED, Status.Code.RESOURCE_EXHAUSTED, Status.Code.PERMISSION_DENIED,
            Status.Code.UNAUTHENTICATED, Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED, Status.Code.ABORTED);

    private int ok;
    private int clean;
    private final List<FuzzClient.Outcome> unclean = new ArrayList<>();
    private final List<FuzzClient.Outcome> timeouts = new ArrayList<>();
    private final TreeMap<String, int[]> byRpc = new TreeMap<>();
    private long slowestMillis;
    private String slowest = "";

    public void add(FuzzClient.Outcome o) {
        int[] counts = byRpc.computeIfAbsent(o.request().rpc(), k -> new int[4]);
        if (o.millis() > slowestMillis) {
            slowestMillis = o.millis();
            slowest = o.request().toString();
        }
        if (o.timedOut()) {
            timeouts.add(o);
            counts[3]++;
        } else if (o.code() == Status.Code.OK) {
            ok++;
            counts[0]++;
        } else if (CLEAN.contains(o.code())) {
            clean++;
            counts[1]++;
        } else {
            unclean.add(o);
            counts[2]++;
        }
    }

    public List<FuzzClient.Outcome> unclean() {
        return unclean;
    }

    public List<FuzzClient.Outcome> timeouts() {
        return timeouts;
    }

    /** The one-line figure the README quotes. */
    public String figure() {
        return clean + " clean errors, " + ok + " OK, " + unclean.size() + " INTERNAL/UNKNOWN, "
                + timeouts.size() + " timeouts";
    }

    /** Per RPC: ok/clean/unclean/timeouts, and the slowest request. */
    public String details() {
        StringBuilder s = new StringBuilder();
        byRpc.forEach((rpc, c) -> s.append(String.format("  %-28s ok %3d  clean %3d  unclean %3d  timeout %d%n",
                rpc, c[0], c[1], c[2], c[3])));
        s.append("  slowest: ").append(slowest).append(" in ").append(slowestMillis).append(" ms\n");
        return s.toString();
    }

    /** A failed outcome as one report line, its message cut short. */
    public static String describe(FuzzClient.Outcome o) {
        String d = o.description();
        if (d.length() > 300) {
            d = d.substring(0, 300) + "... (" + d.length() + " chars)";
        }
        return o.request() + " -> " + (o.timedOut() ? "no answer in " + o.millis() + " ms" : o.code() + ": "
                + d.replace("\0", "\\0"));
    }
}
