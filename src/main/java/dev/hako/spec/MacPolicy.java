package dev.hako.spec;

import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.error.HakoException;

/** Mandatory access control (AppArmor, SELinux): what a container may ask for. */
final class MacPolicy {
    private MacPolicy() {}

    /**
     * AppArmor and SELinux: Hako applies neither, so any profile or label but "unconfined"/empty
     * is refused rather than silently ignored (containerd does the same on hosts without AppArmor).
     */
    static void check(LinuxContainerSecurityContext sc, HostFacts host) {
        String apparmor = null;
        if (sc.hasApparmor()) {
            switch (sc.getApparmor().getProfileType()) {
                case Unconfined -> apparmor = null;
                case Localhost -> apparmor = "localhost/" + sc.getApparmor().getLocalhostRef();
                default -> apparmor = "runtime/default";
            }
        } else if (!sc.getApparmorProfile().isEmpty() && !sc.getApparmorProfile().equals("unconfined")) {
            apparmor = sc.getApparmorProfile();
        }
        if (apparmor != null) {
            throw HakoException.failedPrecondition("AppArmor profile \"" + apparmor + "\" requested, but "
                    + (host.apparmor() ? "Hako does not apply AppArmor profiles"
                            : "this host has no AppArmor (it is not enabled in the kernel)")
                    + "; use an Unconfined AppArmor profile");
        }
        if (sc.hasSelinuxOptions()) {
            var se = sc.getSelinuxOptions();
            if (!se.getUser().isEmpty() || !se.getRole().isEmpty() || !se.getType().isEmpty() || !se.getLevel().isEmpty()) {
                throw HakoException.failedPrecondition("SELinux options (" + String.join(":", se.getUser(), se.getRole(),
                        se.getType(), se.getLevel()) + ") requested, but " + (host.selinux()
                        ? "Hako does not apply SELinux labels" : "this host has no SELinux (no /sys/fs/selinux)"));
            }
        }
    }
}
