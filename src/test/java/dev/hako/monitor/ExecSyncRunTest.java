package dev.hako.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.config.HandlerConfig;
import dev.hako.error.HakoException;
import dev.hako.testing.RuntimeBinaries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of an ExecSync that need no conmon: timeouts, the sandbox wrapper, failure classes. */
class ExecSyncRunTest {
    @TempDir
    Path dir;

    @Test
    void timeoutsAreWholeSecondsRoundedUpAndNoneIsZero() {
        assertThat(ExecSyncRun.timeoutSeconds(null)).isZero();
        assertThat(ExecSyncRun.timeoutSeconds(Duration.ZERO)).isZero();
        assertThat(ExecSyncRun.timeoutSeconds(Duration.ofSeconds(-1))).isZero();
        assertThat(ExecSyncRun.timeoutSeconds(Duration.ofMillis(1))).isEqualTo(1);
        assertThat(ExecSyncRun.timeoutSeconds(Duration.ofMillis(1001))).isEqualTo(2);
        assertThat(ExecSyncRun.timeoutSeconds(Duration.ofSeconds(5))).isEqualTo(5);
    }

    @Test
    void aCommandTheContainerCannotRunIsTheCallersToFix() {
        assertThat(ExecSyncRun.failureKind("exec: \"nope\": executable file not found in $PATH"))
                .isEqualTo(HakoException.Kind.NOT_FOUND);
        assertThat(ExecSyncRun.failureKind("exec: \"/x\": stat /x: no such file or directory"))
                .isEqualTo(HakoException.Kind.NOT_FOUND);
        assertThat(ExecSyncRun.failureKind("exec: \"/etc\": permission denied"))
                .isEqualTo(HakoException.Kind.FAILED_PRECONDITION);
        assertThat(ExecSyncRun.failureKind("container not running")).isEqualTo(HakoException.Kind.INTERNAL);
    }

    @Test
    void idsBecomeSafeFileNamePrefixes() {
        assertThat(ExecSyncRun.safe("abc-1.2_x")).isEqualTo("abc-1.2_x");
        assertThat(ExecSyncRun.safe("a/b c")).isEqualTo("a_b_c");
        assertThat(ExecSyncRun.safe("x".repeat(100))).hasSize(64);
    }

    @Test
    void anOciRuntimeRunsItselfAndItsFilesLiveInTheExecsDirectory() throws Exception {
        HandlerConfig runc = new HandlerConfig("runc", Path.of("/usr/sbin/runc"), null, List.of());
        ExecSyncRun.ExecDir files = new ExecSyncRun.ExecDir(dir);
        assertThat(ExecSyncRun.runtime(runc, false, files)).isEqualTo(Path.of("/usr/sbin/runc"));
        assertThat(files.runtimeWrapper()).doesNotExist();
        assertThat(files.spec()).isEqualTo(dir.resolve("process.json"));
        assertThat(files.pidFile()).isEqualTo(dir.resolve("pidfile"));
        assertThat(files.log()).isEqualTo(dir.resolve("exec.log"));
        assertThat(files.sandboxPidFile()).isEqualTo(dir.resolve("pid.sandbox"));
    }

    @Test
    void inASandboxTheWrapperAsksForThePidInsideAfterTheExecSubcommand() throws Exception {
        // the real runsc logs the argv it got (--debug-log) before it finds there is no such process file
        Path runscPath = RuntimeBinaries.require("runsc");
        HandlerConfig runsc = new HandlerConfig("gvisor", runscPath, null, List.of());
        ExecSyncRun.ExecDir files = new ExecSyncRun.ExecDir(dir);

        Path wrapper = ExecSyncRun.runtime(runsc, true, files);
        assertThat(wrapper).isEqualTo(files.runtimeWrapper());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(wrapper))).isEqualTo("rwx------");

        Path logs = Files.createDirectory(dir.resolve("logs"));
        String root = "--root=" + dir.resolve("root");
        String debugLog = "--debug-log=" + logs + "/";
        Process p = new ProcessBuilder(wrapper.toString(), root, "--debug", debugLog, "exec", "--process", "p.json",
                "exec", "c1").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero(); // p.json does not exist
        String log;
        try (var l = Files.list(logs)) {
            log = Files.readString(l.findFirst().orElseThrow());
        }
        assertThat(log).contains("Args: [" + String.join(" ", runscPath.toString(), root, "--debug", debugLog,
                "exec", "--internal-pid-file", files.sandboxPidFile().toString(), "--process", "p.json", "exec", "c1")
                + "]");
    }
}
