package dev.hako.pod;

import dev.hako.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code details} column of a pod: what was made for it on the node, so the pod can be rebuilt,
 * checked and released after a restart of the daemon. A null path means "the host's" (nothing made).
 *
 * @param nsDir the private bind mount holding the pins, or null when the pod has no namespace of its own
 * @param infraPid the pid of the pod's infra container, or 0 when the pod has none
 */
record PodDetails(Path dir, String hostname, Path nsDir, Path netns, Path ipcns, Path utsns, Path shm,
                  boolean hostPid, boolean sharedPid, List<String> ips, int infraPid) {

    PodDetails {
        ips = ips == null ? List.of() : List.copyOf(ips);
    }

    /** The shared PID namespace the pod's containers join: its infra container's, or null. */
    Path pidns() {
        return sharedPid && infraPid > 0 ? Path.of("/proc", Integer.toString(infraPid), "ns", "pid") : null;
    }

    /** Every mount the pod holds while READY, in the order they were made. */
    List<Path> mounts() {
        List<Path> out = new ArrayList<>();
        for (Path p : new Path[] {nsDir, netns, ipcns, utsns, shm}) {
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dir", dir.toString());
        m.put("hostname", hostname);
        m.put("nsDir", str(nsDir));
        m.put("netns", str(netns));
        m.put("ipcns", str(ipcns));
        m.put("utsns", str(utsns));
        m.put("shm", str(shm));
        m.put("hostPid", hostPid);
        m.put("sharedPid", sharedPid);
        m.put("ips", ips);
        m.put("infraPid", infraPid);
        return Json.write(m);
    }

    /** @throws IllegalArgumentException when the text is not a details document */
    static PodDetails parse(String json) {
        Map<String, Object> m = Json.parseObject(json);
        Object dir = m.get("dir");
        Object hostname = m.get("hostname");
        if (!(dir instanceof String d) || !(hostname instanceof String h)) {
            throw new IllegalArgumentException("pod details lack dir or hostname");
        }
        return new PodDetails(Path.of(d), h, path(m, "nsDir"), path(m, "netns"), path(m, "ipcns"), path(m, "utsns"),
                path(m, "shm"), Boolean.TRUE.equals(m.get("hostPid")), Boolean.TRUE.equals(m.get("sharedPid")),
                m.get("ips") instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of(),
                m.get("infraPid") instanceof Number n ? n.intValue() : 0);
    }

    private static String str(Path p) {
        return p == null ? null : p.toString();
    }

    private static Path path(Map<String, Object> m, String key) {
        return m.get(key) instanceof String s ? Path.of(s) : null;
    }
}
