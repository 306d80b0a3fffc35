package dev.hako.oci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code process} of an OCI runtime spec (config.json) as typed records. {@link #toJson()} gives
 * the JSON tree {@code Json.write} writes, with the fields in the order Hako has always written them
 * and the optional ones left out when unset.
 *
 * @param noNewPrivileges written only when true
 */
public record ProcessSpec(boolean terminal, User user, List<String> args, List<String> env, String cwd,
                          Capabilities capabilities, boolean noNewPrivileges, int oomScoreAdj) {
    public ProcessSpec {
        args = List.copyOf(args);
        env = List.copyOf(env);
    }

    /**
     * {@code process.user}: numeric ids only, as the runtime does no name lookup.
     *
     * @param additionalGids null: not written (the infra process)
     */
    public record User(int uid, int gid, List<Long> additionalGids) {
        public User {
            additionalGids = additionalGids == null ? null : List.copyOf(additionalGids);
        }

        public Map<String, Object> toJson() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("uid", uid);
            out.put("gid", gid);
            if (additionalGids != null) {
                out.put("additionalGids", new ArrayList<>(additionalGids));
            }
            return out;
        }
    }

    /** {@code process.capabilities}; inheritable and ambient are written only when not empty. */
    public record Capabilities(List<String> bounding, List<String> effective, List<String> permitted,
                               List<String> inheritable, List<String> ambient) {
        public Capabilities {
            bounding = List.copyOf(bounding);
            effective = List.copyOf(effective);
            permitted = List.copyOf(permitted);
            inheritable = List.copyOf(inheritable);
            ambient = List.copyOf(ambient);
        }

        /** {@code granted} as bounding, effective and permitted; {@code ambient} also inheritable (the kernel keeps no other). */
        public static Capabilities of(List<String> granted, List<String> ambient) {
            return new Capabilities(granted, granted, granted, ambient, ambient);
        }

        public Map<String, Object> toJson() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("bounding", new ArrayList<>(bounding));
            out.put("effective", new ArrayList<>(effective));
            out.put("permitted", new ArrayList<>(permitted));
            if (!inheritable.isEmpty()) {
                out.put("inheritable", new ArrayList<>(inheritable));
            }
            if (!ambient.isEmpty()) {
                out.put("ambient", new ArrayList<>(ambient));
            }
            return out;
        }
    }

    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("terminal", terminal);
        out.put("user", user.toJson());
        out.put("args", new ArrayList<>(args));
        out.put("env", new ArrayList<>(env));
        out.put("cwd", cwd);
        out.put("capabilities", capabilities.toJson());
        if (noNewPrivileges) {
            out.put("noNewPrivileges", true);
        }
        out.put("oomScoreAdj", oomScoreAdj);
        return out;
    }
}
