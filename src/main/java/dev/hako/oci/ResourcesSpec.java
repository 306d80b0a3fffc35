package dev.hako.oci;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code linux.resources} of an OCI runtime spec, also the file {@code runtime update --resources}
 * reads. Parts with nothing set are left out, so an empty record is written as {@code {}}.
 *
 * @param devices the cgroup device rules, in order (the runtime applies the last match)
 * @param unified cgroup v2 files and their values, in the order given
 */
public record ResourcesSpec(List<DeviceRule> devices, Memory memory, Cpu cpu, List<HugepageLimit> hugepageLimits,
                            Map<String, String> unified) {
    public ResourcesSpec {
        devices = List.copyOf(devices);
        hugepageLimits = List.copyOf(hugepageLimits);
        unified = Collections.unmodifiableMap(new LinkedHashMap<>(unified));
    }

    /** These limits after the device rules {@code rules}. */
    public ResourcesSpec withDevices(List<DeviceRule> rules) {
        return new ResourcesSpec(rules, memory, cpu, hugepageLimits, unified);
    }

    /** One cgroup device rule; a null type, major or minor means any. */
    public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {
        /** The rule for every device. */
        public static DeviceRule all(boolean allow, String access) {
            return new DeviceRule(allow, null, null, null, access);
        }

        public Map<String, Object> toJson() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("allow", allow);
            if (type != null) {
                out.put("type", type);
            }
            if (major != null) {
                out.put("major", major);
            }
            if (minor != null) {
                out.put("minor", minor);
            }
            out.put("access", access);
            return out;
        }
    }

    /** {@code memory}; null fields are not set. */
    public record Memory(Long limit, Long swap) {
        boolean isEmpty() {
            return limit == null && swap == null;
        }

        public Map<String, Object> toJson() {
            Map<String, Object> out = new LinkedHashMap<>();
            if (limit != null) {
                out.put("limit", limit);
            }
            if (swap != null) {
                out.put("swap", swap);
            }
            return out;
        }
    }

    /** {@code cpu}; null fields are not set. */
    public record Cpu(Long shares, Long quota, Long period, String cpus, String mems) {
        boolean isEmpty() {
            return shares == null && quota == null && period == null && cpus == null && mems == null;
        }

        public Map<String, Object> toJson() {
            Map<String, Object> out = new LinkedHashMap<>();
            if (shares != null) {
                out.put("shares", shares);
            }
            if (quota != null) {
                out.put("quota", quota);
            }
            if (period != null) {
                out.put("period", period);
            }
            if (cpus != null) {
                out.put("cpus", cpus);
            }
            if (mems != null) {
                out.put("mems", mems);
            }
            return out;
        }
    }

    /** One entry of {@code hugepageLimits}. */
    public record HugepageLimit(String pageSize, long limit) {
        public Map<String, Object> toJson() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("pageSize", pageSize);
            out.put("limit", limit);
            return out;
        }
    }

    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!devices.isEmpty()) {
            List<Object> rules = new ArrayList<>();
            devices.forEach(r -> rules.add(r.toJson()));
            out.put("devices", rules);
        }
        if (memory != null && !memory.isEmpty()) {
            out.put("memory", memory.toJson());
        }
        if (cpu != null && !cpu.isEmpty()) {
            out.put("cpu", cpu.toJson());
        }
        if (!hugepageLimits.isEmpty()) {
            List<Object> pages = new ArrayList<>();
            hugepageLimits.forEach(h -> pages.add(h.toJson()));
            out.put("hugepageLimits", pages);
        }
        if (!unified.isEmpty()) {
            out.put("unified", new LinkedHashMap<>(unified));
        }
        return out;
    }
}
