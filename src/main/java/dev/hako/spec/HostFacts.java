package dev.hako.spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What the spec generator needs to know about the host, probed once at start-up ({@link #probe()})
 * and passed in, so that the translation itself reads no host file but the rootfs's and /dev.
 *
 * @param minOomScoreAdj the lowest {@code oom_score_adj} Hako may give a container: -1000 with
 *                       CAP_SYS_RESOURCE, otherwise Hako's own value (the kernel refuses anything lower).
 *                       Infra and app containers share this one floor.
 * @param capabilities   Hako's own effective capabilities, in capability-number order (what runc, run by
 *                       Hako, can pass on)
 * @param apparmor       whether the kernel has AppArmor enabled (only named in the refusal)
 * @param selinux        whether the host has SELinux (only named in the refusal)
 * @param arch           the host's architecture as Docker's seccomp {@code archMap} names it
 * @param devices        the directory privileged containers get every device node of; listed at each
 *                       create, not here, because devices come and go while the daemon runs
 */
public record HostFacts(int minOomScoreAdj, Set<String> capabilities, boolean apparmor, boolean selinux, String arch,
                        Path devices) {
    public HostFacts {
        // the order is the order of the capabilities in every privileged container's spec
        capabilities = Collections.unmodifiableSet(new LinkedHashSet<>(capabilities));
    }

    /** Reads the facts of the host Hako runs on. */
    public static HostFacts probe() {
        Set<String> caps = CapabilitySection.effective(capEff());
        return new HostFacts(minOomScoreAdj(caps), caps, apparmorEnabled(), Files.exists(Path.of("/sys/fs/selinux/enforce")),
                arch(System.getProperty("os.arch", "")), Path.of("/dev"));
    }

    /** The same facts with another oom_score_adj floor (for tests). */
    public HostFacts withMinOomScoreAdj(int min) {
        return new HostFacts(min, capabilities, apparmor, selinux, arch, devices);
    }

    /** CapEff of this process from /proc/self/status; all bits set when it cannot be read. */
    private static long capEff() {
        long mask = -1L;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    mask = Long.parseUnsignedLong(line.substring(7).strip(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            mask = -1L;
        }
        return mask;
    }

    static int minOomScoreAdj(Set<String> caps) {
        try {
            if (caps.contains("CAP_SYS_RESOURCE")) {
                return -1000;
            }
            return Integer.parseInt(Files.readString(Path.of("/proc/self/oom_score_adj")).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    private static boolean apparmorEnabled() {
        try {
            return Files.readString(Path.of("/sys/module/apparmor/parameters/enabled")).strip().equals("Y");
        } catch (IOException e) {
            return false;
        }
    }

    static String arch(String osArch) {
        String a = osArch.toLowerCase(Locale.ROOT);
        return switch (a) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            default -> a;
        };
    }
}
