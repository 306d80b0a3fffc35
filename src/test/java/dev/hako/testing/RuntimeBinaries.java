package dev.hako.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The real OCI runtimes a unit test drives unprivileged (with its own {@code --root}): where the
 * Debian package puts each. A test on a host without one is skipped, saying which is missing.
 */
public final class RuntimeBinaries {
    private static final List<Path> DIRS = List.of(Path.of("/usr/sbin"), Path.of("/usr/bin"), Path.of("/sbin"),
            Path.of("/bin"));

    private RuntimeBinaries() {}

    /** The installed binary {@code name} (runc, crun, runsc), or the test is skipped. */
    public static Path require(String name) {
        Path found = DIRS.stream().map(d -> d.resolve(name)).filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(found != null, name + " is not installed (looked in " + DIRS + "): test skipped");
        return found;
    }
}
