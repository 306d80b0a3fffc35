package dev.hako.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.config.HandlerConfig;
import dev.hako.log.Log;
import dev.hako.oci.OciRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command lines conmon gets: the contract with conmon 2.1.6, as CRI-O writes it. */
class ConmonArgsTest {
    private static final ConmonDirs DIRS = new ConmonDirs(Path.of("/usr/bin/conmon"), Path.of("/run/hako"));
    private static final HandlerConfig RUNC = new HandlerConfig("runc", Path.of("/usr/sbin/runc"), Path.of("/run/runc"),
            List.of("--debug"));
    private static final Path BUNDLE = Path.of("/run/hako/containers/c1");

    private static Conmon.CreateRequest request(String name, Path log, boolean tty, boolean stdin, boolean stdinOnce,
                                                boolean systemd, boolean joinsSandbox) {
        return new Conmon.CreateRequest("c1", name, BUNDLE, new OciRuntime(RUNC, systemd), log, tty, stdin, stdinOnce,
                Duration.ofSeconds(5), joinsSandbox);
    }

    @Test
    void createRunsTheRuntimeWithItsGlobalArgumentsAndTheStateDirectories() {
        List<String> argv = ConmonArgs.create(DIRS, request("web", Path.of("/var/log/pods/p/web/0.log"), false, false,
                false, false, false), BUNDLE, null);
        assertThat(argv).containsExactly(
                "-b", BUNDLE.toString(),
                "-c", "c1",
                "--exit-dir", "/run/hako/exits",
                "-l", "/var/log/pods/p/web/0.log",
                "--log-level", Log.level().label(),
                "-n", "web",
                "-P", BUNDLE + "/conmon.pid",
                "-p", BUNDLE + "/pidfile",
                "--persist-dir", BUNDLE.toString(),
                "-r", "/usr/sbin/runc",
                "--runtime-arg", "--root=/run/runc",
                "--runtime-arg", "--debug",
                "--socket-dir-path", "/run/hako/attach",
                "--syslog",
                "-u", "c1");
    }

    @Test
    void createWithoutNameOrLogUsesTheIdAndTheBundlesLog() {
        List<String> argv = ConmonArgs.create(DIRS, request("", null, false, false, false, false, false), BUNDLE, null);
        assertThat(argv).containsSubsequence("-l", BUNDLE + "/ctr.log").containsSubsequence("-n", "c1");
    }

    @Test
    void systemdCgroupsAndStdioFlags() {
        assertThat(ConmonArgs.create(DIRS, request("n", null, true, true, false, true, false), BUNDLE, null))
                .endsWith("-u", "c1", "-s", "-t")
                .doesNotContain("-i", "--leave-stdin-open");
        assertThat(ConmonArgs.create(DIRS, request("n", null, false, true, false, false, false), BUNDLE, null))
                .endsWith("-u", "c1", "--leave-stdin-open", "-i");
        assertThat(ConmonArgs.create(DIRS, request("n", null, false, true, true, false, false), BUNDLE, null))
                .endsWith("-u", "c1", "-i");
    }

    @Test
    void aContainerJoiningASandboxRunsUnderTheShimWithoutRuntimeArguments() {
        Path shim = Path.of("/run/hako/shims/runc");
        List<String> argv = ConmonArgs.create(DIRS, request("n", null, false, false, false, false, true), BUNDLE, shim);
        assertThat(argv).containsSubsequence("-r", shim.toString(), "--socket-dir-path")
                .doesNotContain("--runtime-arg", "/usr/sbin/runc");
    }

    @Test
    void execIsSynchronousWithItsFilesInItsDirectoryAndConmonsTimerAsASafetyNet() {
        ExecSyncRun.ExecDir files = new ExecSyncRun.ExecDir(Path.of("/run/hako/exec/c1-123"));
        List<String> argv = ConmonArgs.exec(DIRS, "c1", RUNC, RUNC.path(), files, false, 3);
        assertThat(argv).containsExactly(
                "-c", "c1",
                "-n", "c1",
                "-r", "/usr/sbin/runc",
                "-p", "/run/hako/exec/c1-123/pidfile",
                "-e",
                "-l", "/run/hako/exec/c1-123/exec.log",
                "--socket-dir-path", "/run/hako/attach",
                "--log-level", Log.level().label(),
                "--sync",
                "--log-global-size-max", Long.toString(64L * 1024 * 1024),
                "-T", "13",
                "--exec-process-spec", "/run/hako/exec/c1-123/process.json",
                "--runtime-arg", "--root=/run/runc",
                "--runtime-arg", "--debug");
    }

    @Test
    void execWithoutTimeoutHasNoTimerAndATerminalWhenAsked() {
        ExecSyncRun.ExecDir files = new ExecSyncRun.ExecDir(Path.of("/run/hako/exec/c1-1"));
        List<String> argv = ConmonArgs.exec(DIRS, "c1", RUNC, Path.of("/x/runtime"), files, true, 0);
        assertThat(argv).doesNotContain("-T").containsSubsequence("--sync", "-t", "--exec-process-spec")
                .containsSubsequence("-r", "/x/runtime");
    }
}
