package dev.hako.spec;

import dev.hako.cri.v1.Capability;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.error.HakoException;
import dev.hako.oci.ProcessSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code process.capabilities} section: privileged containers get all of Hako's capabilities,
 * others CRI-O's defaults with the pod's adds, drops and ambient adds; names are checked against
 * the kernel's list, and nothing Hako itself lacks is ever granted.
 */
final class CapabilitySection {
    private CapabilitySection() {}

    /** CRI-O's {@code default_capabilities}: what an unprivileged container gets unless the pod adds or drops. */
    static final List<String> DEFAULT_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID",
            "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_KILL");

    /** Capability names by number, as in linux/capability.h (0..40). */
    static final List<String> ALL_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
            "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
            "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
            "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    /** The capability sets of the container; {@code available} are Hako's own (nothing else can be granted). */
    static ProcessSpec.Capabilities of(LinuxContainerSecurityContext sc, boolean privileged, Set<String> available) {
        Capability requested = sc.getCapabilities();
        checkCapabilityNames("add_capabilities", requested.getAddCapabilitiesList(), true);
        checkCapabilityNames("drop_capabilities", requested.getDropCapabilitiesList(), true);
        checkCapabilityNames("add_ambient_capabilities", requested.getAddAmbientCapabilitiesList(), false);
        LinkedHashSet<String> caps = new LinkedHashSet<>();
        List<String> ambient = new ArrayList<>();
        if (privileged) {
            caps.addAll(available);
        } else {
            caps.addAll(DEFAULT_CAPABILITIES);
            Capability cap = sc.getCapabilities();
            if (containsAll(cap.getAddCapabilitiesList())) {
                caps.addAll(available);
            }
            if (containsAll(cap.getDropCapabilitiesList())) {
                caps.clear();
            }
            for (String a : cap.getAddCapabilitiesList()) {
                if (!a.equalsIgnoreCase("ALL")) {
                    caps.add(capName(a));
                }
            }
            for (String d : cap.getDropCapabilitiesList()) {
                if (!d.equalsIgnoreCase("ALL")) {
                    caps.remove(capName(d));
                }
            }
            for (String a : cap.getAddAmbientCapabilitiesList()) {
                String n = capName(a);
                caps.add(n);
                if (!ambient.contains(n)) {
                    ambient.add(n);
                }
            }
        }
        // a capability Hako itself lacks cannot be granted: runc's capset would fail the container
        caps.retainAll(available);
        ambient.retainAll(available);
        return ProcessSpec.Capabilities.of(new ArrayList<>(caps), ambient);
    }

    private static void checkCapabilityNames(String field, List<String> names, boolean allowAll) {
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (allowAll && n.equalsIgnoreCase("ALL")) {
                continue;
            }
            if (!ALL_CAPABILITIES.contains(capName(n))) {
                throw HakoException.invalidArgument("config.linux.security_context.capabilities." + field + "[" + i + "]",
                        "unknown capability \"" + n + "\"");
            }
        }
    }

    private static boolean containsAll(List<String> list) {
        for (String s : list) {
            if (s.equalsIgnoreCase("ALL")) {
                return true;
            }
        }
        return false;
    }

    private static String capName(String s) {
        String u = s.toUpperCase(Locale.ROOT);
        return u.startsWith("CAP_") ? u : "CAP_" + u;
    }

    /** The names of the capabilities set in {@code mask} (a CapEff value), in capability-number order. */
    static Set<String> effective(long mask) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < ALL_CAPABILITIES.size(); i++) {
            if ((mask & (1L << i)) != 0) {
                out.add(ALL_CAPABILITIES.get(i));
            }
        }
        return Collections.unmodifiableSet(out);
    }
}
