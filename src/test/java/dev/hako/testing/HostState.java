package dev.hako.testing;

import static dev.hako.testing.Commands.output;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * The host-wide state a test may check for leaks (mounts, links, iptables rules), narrowed to what the
 * test itself owns. The machine is never idle: other daemons, critest, a kubelet or a second test run
 * mount, create veths and add rules at the same time, so a count of everything on the host is not a
 * leak check but a race.
 */
public final class HostState {
    private HostState() {}

    /** mountinfo lines whose mount point is {@code dir} or below it (mountinfo's {@code \040} escapes kept). */
    public static List<String> mountsUnder(Path dir) throws IOException {
        String escaped = dir.toString().replace(" ", "\\040");
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> {
            String mp = l.split(" ")[4];
            return mp.equals(escaped) || mp.startsWith(escaped + "/");
        }).toList();
    }

    /** Names of the bridge itself and of every link enslaved to it (the pods' veths), sorted. */
    public static List<String> bridgeLinks(String bridge) throws IOException, InterruptedException {
        return output("ip", "-o", "link", "show").lines()
                .filter(l -> l.matches("\\d+: " + java.util.regex.Pattern.quote(bridge) + "[:@].*")
                        || l.contains(" master " + bridge + " "))
                .map(l -> l.split(": ", 3)[1].replaceAll("@.*", ""))
                .sorted().toList();
    }

    /** Non-comment {@code iptables-save} lines (all tables) that the predicate picks out as the test's own. */
    public static List<String> iptablesRules(Predicate<String> ours) throws IOException, InterruptedException {
        return output("iptables-save").lines().filter(l -> !l.startsWith("#")).filter(ours).toList();
    }
}
