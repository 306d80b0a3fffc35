package dev.hako.spec;

import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.SupplementalGroupsPolicy;
import dev.hako.error.HakoException;
import dev.hako.oci.ProcessSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The {@code process.user} section: the user comes from the security context or else the image's
 * User, and is resolved against the rootfs's own /etc/passwd and /etc/group; the supplementary
 * groups are the user's memberships (unless the policy is Strict) plus the ones the pod asks for.
 */
final class UserSection {
    private UserSection() {}

    static ProcessSpec.User of(Path rootfs, LinuxContainerSecurityContext sc, String imageUser) {
        RootfsUsers db = RootfsUsers.read(rootfs);
        int uid;
        int gid;
        String username = null;
        if (sc.hasRunAsUser()) {
            long v = sc.getRunAsUser().getValue();
            if (v < 0 || v > 0xfffffffeL) {
                throw HakoException.invalidArgument("config.linux.security_context.run_as_user", "uid " + v + " is out of range");
            }
            uid = (int) v;
            RootfsUsers.User u = db.byUid(uid);
            gid = u != null ? u.gid() : 0;
            username = u != null ? u.name() : null;
        } else if (!sc.getRunAsUsername().isEmpty()) {
            String name = sc.getRunAsUsername();
            RootfsUsers.User u = db.byName(name);
            if (u == null) {
                throw HakoException.invalidArgument("config.linux.security_context.run_as_username",
                        "user \"" + name + "\" not found in the image's /etc/passwd");
            }
            uid = u.uid();
            gid = u.gid();
            username = name;
        } else {
            String spec = imageUser;
            String userPart = spec;
            String groupPart = null;
            int colon = spec.indexOf(':');
            if (colon >= 0) {
                userPart = spec.substring(0, colon);
                groupPart = spec.substring(colon + 1);
            }
            if (userPart.isEmpty()) {
                uid = 0;
                RootfsUsers.User u = db.byUid(0);
                gid = u != null ? u.gid() : 0;
                username = u != null ? u.name() : null;
            } else {
                Integer numeric = RootfsUsers.parseId(userPart);
                if (numeric != null) {
                    uid = numeric;
                    RootfsUsers.User u = db.byUid(uid);
                    gid = u != null ? u.gid() : 0;
                    username = u != null ? u.name() : null;
                } else {
                    RootfsUsers.User u = db.byName(userPart);
                    if (u == null) {
                        throw HakoException.invalidArgument("image config User",
                                "user \"" + userPart + "\" (from User \"" + spec + "\") not found in the image's /etc/passwd");
                    }
                    uid = u.uid();
                    gid = u.gid();
                    username = userPart;
                }
            }
            if (groupPart != null && !groupPart.isEmpty()) {
                Integer numeric = RootfsUsers.parseId(groupPart);
                if (numeric != null) {
                    gid = numeric;
                } else {
                    RootfsUsers.Group g = db.groupByName(groupPart);
                    if (g == null) {
                        throw HakoException.invalidArgument("image config User",
                                "group \"" + groupPart + "\" (from User \"" + spec + "\") not found in the image's /etc/group");
                    }
                    gid = g.gid();
                }
            }
        }
        if (sc.hasRunAsGroup() && !sc.hasRunAsUser() && sc.getRunAsUsername().isEmpty()) {
            // containerd's rule: a group is only ever given together with a user
            throw HakoException.invalidArgument("config.linux.security_context.run_as_group",
                    "gid " + sc.getRunAsGroup().getValue() + " is given without run_as_user or run_as_username");
        }
        if (sc.hasRunAsGroup()) {
            long v = sc.getRunAsGroup().getValue();
            if (v < 0 || v > 0xfffffffeL) {
                throw HakoException.invalidArgument("config.linux.security_context.run_as_group", "gid " + v + " is out of range");
            }
            gid = (int) v;
        }
        Set<Long> gids = new LinkedHashSet<>();
        gids.add((long) gid);
        if (sc.getSupplementalGroupsPolicy() != SupplementalGroupsPolicy.Strict) {
            for (int g : db.memberships(username)) {
                gids.add((long) g);
            }
        }
        for (long g : sc.getSupplementalGroupsList()) {
            gids.add(g);
        }
        return new ProcessSpec.User(uid, gid, new ArrayList<>(gids));
    }
}
