package dev.hako.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.HandlerConfig;
import dev.hako.error.HakoException;
import dev.hako.testing.RuntimeBinaries;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The command-line contract with an OCI runtime: the command lines Hako builds (pure functions, nothing
 * run), how it reads a runtime's answers (on strings), and the real runc, crun and runsc driven without
 * root under a temporary {@code --root}, where every container is unknown. Running containers: the ITs.
 */
class OciRuntimeTest {
    @TempDir
    Path dir;

    private static HandlerConfig handler(String name, Path path, Path root, List<String> args) {
        return new HandlerConfig(name, path, root, args);
    }

    // ---- command lines ---------------------------------------------------------------------------

    @Test
    void globalFlagsComeBeforeTheSubcommand() {
        OciRuntime systemd = new OciRuntime(handler("fake", Path.of("/bin/rt"), Path.of("/run/rt"),
                List.of("--debug", "--log-format=json")), true);
        assertThat(systemd.command(OciRuntime.killArgs("c1", 15, false))).containsExactly("/bin/rt",
                "--systemd-cgroup", "--root", "/run/rt", "--debug", "--log-format=json", "kill", "c1", "15");
        OciRuntime bare = new OciRuntime(handler("fake", Path.of("/bin/rt"), null, List.of()), false);
        assertThat(bare.command(OciRuntime.killArgs("c1", 9, true))).containsExactly("/bin/rt", "kill", "--all", "c1", "9");
    }

    @Test
    void lifecycleSubcommands() {
        assertThat(OciRuntime.startArgs("c1")).containsExactly("start", "c1");
        assertThat(OciRuntime.deleteArgs("c1", false)).containsExactly("delete", "c1");
        assertThat(OciRuntime.deleteArgs("c1", true)).containsExactly("delete", "--force", "c1");
        assertThat(OciRuntime.updateArgs("c1", Path.of("/b/resources.json")))
                .containsExactly("update", "--resources", "/b/resources.json", "c1");
        assertThat(OciRuntime.killInSandboxArgs("c1", 5, 9)).containsExactly("kill", "--pid", "5", "c1", "9");
        assertThat(OciRuntime.stateArgs("c1")).containsExactly("state", "c1");
        assertThat(OciRuntime.statsArgs("c1")).containsExactly("events", "--stats", "c1");
        assertThat(OciRuntime.psArgs("c1")).containsExactly("ps", "c1");
    }

    @Test
    void theExecCommandLineIsBuiltNotRun() {
        OciRuntime rt = new OciRuntime(handler("fake", Path.of("/bin/rt"), Path.of("/run/rt"), List.of()), true);
        assertThat(rt.execCommand("c1", Path.of("/e/process.json"), Path.of("/e/pid"), null)).containsExactly(
                "/bin/rt", "--systemd-cgroup", "--root", "/run/rt",
                "exec", "--process", "/e/process.json", "--pid-file", "/e/pid", "c1");
        assertThat(rt.execCommand("c1", Path.of("/e/process.json"), Path.of("/e/pid"), Path.of("/e/inner")))
                .containsSubsequence("--pid-file", "/e/pid", "--internal-pid-file", "/e/inner", "c1");
    }

    @Test
    void theMonitorGetsTheRootAsOneArgument() {
        assertThat(OciRuntime.globalArgs(handler("fake", Path.of("/bin/rt"), Path.of("/run/rt"), List.of("--debug"))))
                .containsExactly("--root=/run/rt", "--debug");
        assertThat(OciRuntime.globalArgs(handler("fake", Path.of("/bin/rt"), null, List.of()))).isEmpty();
    }

    // ---- reading the runtime's answers -----------------------------------------------------------

    @Test
    void stateIsParsedFromTheRuntimesJson() {
        assertThat(OciRuntime.parseState("""
                {"ociVersion": "1.0.2", "id": "c1", "status": "running", "pid": 4242, "bundle": "/b"}
                """)).isEqualTo(new OciRuntime.State("running", 4242));
        assertThat(OciRuntime.parseState("{}")).isEqualTo(new OciRuntime.State("unknown", 0));
        assertThatThrownBy(() -> OciRuntime.parseState("not json")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sandboxStatsComeFromEvents() {
        assertThat(OciRuntime.parseStats("""
                {"type":"stats","id":"c1","data":{"cpu":{"usage":{"total":123}},"memory":{"usage":{"usage":456}},"pids":{"current":7}}}
                """)).contains(new OciRuntime.Stats(123, 456, 7));
        assertThat(OciRuntime.parseStats("{\"type\":\"stats\"}")).isEmpty();
        assertThat(OciRuntime.parseStats("garbage")).isEmpty();
    }

    @Test
    void aProcessTreeInASandboxIsKilledLeavesFirst() {
        List<OciRuntime.SandboxProcess> ps = OciRuntime.parseProcessTable("""
                UID       PID       PPID      C         TTY       STIME     TIME      CMD
                0         1         0         0         ?         22:42     0s        sh
                0         5         1         0         ?         22:42     0s        sh
                0         6         5         0         ?         22:42     0s        sleep
                0         7         1         0         ?         22:42     0s        other
                """);
        assertThat(OciRuntime.killOrder(5, ps)).containsExactly(6, 5);
        assertThat(OciRuntime.killOrder(1, ps)).containsExactly(7, 6, 5, 1);
    }

    @Test
    void whatEachRuntimeSaysOfAnUnknownContainerMeansItDoesNotExist() {
        assertThat(OciRuntime.doesNotExist("time=\"x\" level=error msg=\"container does not exist\"\n")).isTrue();
        assertThat(OciRuntime.doesNotExist("open /run/rt/c1/state.json: no such file or directory\n")).isTrue();
        assertThat(OciRuntime.doesNotExist("loading container: file does not exist\n")).isTrue();
        assertThat(OciRuntime.doesNotExist("time=\"x\" level=error msg=\"permission denied\"\n")).isFalse();
    }

    @Test
    void failuresAreClassedByTheRuntimesMessage() {
        assertThat(OciRuntime.failure("rt", "kill", "c1", 1,
                "time=\"2024-01-01T00:00:00Z\" level=error msg=\"container c1 does not exist\"\n"))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.NOT_FOUND))
                .hasMessage("rt kill c1: container c1 does not exist");
        for (String msg : List.of("container not running", "cannot start an already running container",
                "container c1 is not in created state")) {
            assertThat(OciRuntime.failure("rt", "start", "c1", 1, "time=\"x\" level=error msg=\"" + msg + "\"\n"))
                    .satisfies(e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.FAILED_PRECONDITION))
                    .hasMessage("rt start c1: " + msg);
        }
        // a command the image cannot run is the workload's fault
        assertThat(OciRuntime.failure("rt", "start", "c1", 1, "time=\"x\" level=error msg=\"exec: \\\"/app\\\": "
                + "stat /app: no such file or directory\"\n"))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.FAILED_PRECONDITION))
                .hasMessageContaining("/app").hasMessageEndingWith("(check the container's command/args and its image)");
        assertThat(OciRuntime.failure("rt", "state", "c1", 1, "time=\"x\" level=error msg=\"permission denied\"\n"))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INTERNAL))
                .hasMessage("rt state c1: permission denied");
        assertThat(OciRuntime.failure("rt", "update", "c1", 2, "plain words on stderr\n"))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INTERNAL))
                .hasMessage("rt update c1: plain words on stderr");
        assertThat(OciRuntime.failure("rt", "kill", "c1", 3, ""))
                .satisfies(e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INTERNAL))
                .hasMessage("rt kill c1: exit status 3");
    }

    // ---- the real runtimes, unprivileged ---------------------------------------------------------

    private OciRuntime real(String name) {
        return new OciRuntime(handler(name, RuntimeBinaries.require(name), dir.resolve("root"), List.of()), false);
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc", "crun", "runsc"})
    void aContainerTheRuntimeDoesNotKnowHasNoStateAndIsAlreadyDeleted(String name) {
        OciRuntime rt = real(name);
        assertThat(rt.state("nosuch")).isEmpty();
        assertThatCode(() -> rt.delete("nosuch", true)).doesNotThrowAnyException();
        assertThatCode(() -> rt.delete("nosuch", false)).doesNotThrowAnyException();
    }

    @Test
    void runcCallsOnAnUnknownContainerAreNotFoundInRuncsWords() {
        OciRuntime rt = real("runc");
        assertThatThrownBy(() -> rt.kill("nosuch", 9, false))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.NOT_FOUND))
                .hasMessage("runc kill nosuch: container does not exist");
        assertThatThrownBy(() -> rt.start("nosuch"))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.NOT_FOUND))
                .hasMessage("runc start nosuch: container does not exist");
        assertThatThrownBy(() -> rt.update("nosuch", dir.resolve("resources.json")))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.NOT_FOUND))
                .hasMessage("runc update nosuch: container does not exist");
    }

    @Test
    void aRuntimeThatCannotRunIsUnavailable() {
        OciRuntime rt = new OciRuntime(handler("gone", dir.resolve("no-such-runtime"), null, List.of()), false);
        assertThatThrownBy(() -> rt.kill("c1", 9, false))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.UNAVAILABLE))
                .hasMessageStartingWith("cannot run " + dir.resolve("no-such-runtime") + ": ");
    }
}
