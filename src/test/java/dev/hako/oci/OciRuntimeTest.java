package dev.hako.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.HandlerConfig;
import dev.hako.error.HakoException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command-line contract with an OCI runtime, pinned against a fake runtime: a shell script that
 * records each call's arguments and answers with the stdout, stderr and exit status the test put in its
 * directory. (Real runc is driven by the ITs.)
 */
class OciRuntimeTest {
    @TempDir
    Path dir;
    private Path fake;

    @BeforeEach
    void writeFakeRuntime() throws IOException {
        fake = dir.resolve("fake-runtime");
        Files.writeString(fake, """
                #!/bin/sh
                d='%s'
                printf '%%s\\n' "$*" >> "$d/calls"
                [ -f "$d/stdout" ] && cat "$d/stdout"
                [ -f "$d/stderr" ] && cat "$d/stderr" >&2
                [ -f "$d/hang" ] && exec sleep 60
                exit "$(cat "$d/exit" 2>/dev/null || echo 0)"
                """.formatted(dir));
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    }

    private HandlerConfig handler(Path root, List<String> args) {
        return new HandlerConfig("fake", fake, root, args);
    }

    private OciRuntime runtime() {
        return new OciRuntime(handler(Path.of("/run/fake"), List.of("--debug")), false);
    }

    private List<String> calls() throws IOException {
        return Files.exists(dir.resolve("calls")) ? Files.readAllLines(dir.resolve("calls"), StandardCharsets.UTF_8) : List.of();
    }

    private void answer(int exit, String stdout, String stderr) throws IOException {
        Files.writeString(dir.resolve("exit"), Integer.toString(exit));
        Files.writeString(dir.resolve("stdout"), stdout);
        Files.writeString(dir.resolve("stderr"), stderr);
    }

    // ---- command lines ---------------------------------------------------------------------------

    @Test
    void globalFlagsComeBeforeTheSubcommand() throws Exception {
        new OciRuntime(handler(Path.of("/run/fake"), List.of("--debug", "--log-format=json")), true).kill("c1", 15, false);
        new OciRuntime(handler(null, List.of()), false).kill("c1", 9, true);
        assertThat(calls()).containsExactly(
                "--systemd-cgroup --root /run/fake --debug --log-format=json kill c1 15",
                "kill --all c1 9");
    }

    @Test
    void lifecycleSubcommands() throws Exception {
        OciRuntime rt = runtime();
        rt.start("c1");
        rt.start("c1", 42); // not runc: no exec-fifo shortcut, runtime start
        rt.delete("c1", false);
        rt.delete("c1", true);
        rt.update("c1", dir.resolve("resources.json"));
        rt.killInSandbox("c1", 5, 9);
        assertThat(calls()).containsExactly(
                "--root /run/fake --debug start c1",
                "--root /run/fake --debug start c1",
                "--root /run/fake --debug delete c1",
                "--root /run/fake --debug delete --force c1",
                "--root /run/fake --debug update --resources " + dir.resolve("resources.json") + " c1",
                "--root /run/fake --debug kill --pid 5 c1 9");
    }

    @Test
    void theExecCommandLineIsBuiltNotRun() throws Exception {
        OciRuntime rt = new OciRuntime(handler(Path.of("/run/fake"), List.of()), true);
        assertThat(rt.execCommand("c1", Path.of("/e/process.json"), Path.of("/e/pid"), null)).containsExactly(
                fake.toString(), "--systemd-cgroup", "--root", "/run/fake",
                "exec", "--process", "/e/process.json", "--pid-file", "/e/pid", "c1");
        assertThat(rt.execCommand("c1", Path.of("/e/process.json"), Path.of("/e/pid"), Path.of("/e/inner")))
                .containsSubsequence("--pid-file", "/e/pid", "--internal-pid-file", "/e/inner", "c1");
        assertThat(calls()).isEmpty();
    }

    @Test
    void theMonitorGetsTheRootAsOneArgument() {
        assertThat(OciRuntime.globalArgs(handler(Path.of("/run/fake"), List.of("--debug"))))
                .containsExactly("--root=/run/fake", "--debug");
        assertThat(OciRuntime.globalArgs(handler(null, List.of()))).isEmpty();
    }

    // ---- state and stats -------------------------------------------------------------------------

    @Test
    void stateIsParsedFromTheRuntimesJson() throws Exception {
        answer(0, """
                {"ociVersion": "1.0.2", "id": "c1", "status": "running", "pid": 4242, "bundle": "/b"}
                """, "");
        assertThat(runtime().state("c1")).contains(new OciRuntime.State("running", 4242));
        assertThat(calls()).containsExactly("--root /run/fake --debug state c1");

        answer(0, "{}", "");
        assertThat(runtime().state("c1")).contains(new OciRuntime.State("unknown", 0));
    }

    @Test
    void anUnknownContainerHasNoState() throws Exception {
        answer(1, "", "time=\"2024-01-01T00:00:00Z\" level=error msg=\"container does not exist\"\n");
        assertThat(runtime().state("c1")).isEmpty();
        answer(1, "", "open /run/fake/c1/state.json: no such file or directory\n");
        assertThat(runtime().state("c1")).isEmpty();
    }

    @Test
    void stateThatIsNoJsonIsAnInternalError() throws Exception {
        answer(0, "not json", "");
        assertThatThrownBy(() -> runtime().state("c1"))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INTERNAL))
                .hasMessageStartingWith(fake + " state c1 printed no JSON object: ");
    }

    @Test
    void stateFailingOtherwiseCarriesTheRuntimesMessage() throws Exception {
        answer(1, "", "time=\"x\" level=error msg=\"permission denied\"\n");
        assertThatThrownBy(() -> runtime().state("c1"))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INTERNAL))
                .hasMessage("fake state c1: permission denied");
    }

    @Test
    void sandboxStatsComeFromEvents() throws Exception {
        answer(0, """
                {"type":"stats","id":"c1","data":{"cpu":{"usage":{"total":123}},"memory":{"usage":{"usage":456}},"pids":{"current":7}}}
                """, "");
        assertThat(runtime().stats("c1")).contains(new OciRuntime.Stats(123, 456, 7));
        assertThat(calls()).containsExactly("--root /run/fake --debug events --stats c1");

        answer(0, "{\"type\":\"stats\"}", "");
        assertThat(runtime().stats("c1")).isEmpty();
        answer(0, "garbage", "");
        assertThat(runtime().stats("c1")).isEmpty();
        answer(1, "", "failed");
        assertThat(runtime().stats("c1")).isEmpty();
    }

    @Test
    void aProcessTreeInASandboxIsKilledLeavesFirst() throws Exception {
        answer(0, """
                UID       PID       PPID      C         TTY       STIME     TIME      CMD
                0         1         0         0         ?         22:42     0s        sh
                0         5         1         0         ?         22:42     0s        sh
                0         6         5         0         ?         22:42     0s        sleep
                0         7         1         0         ?         22:42     0s        other
                """, "");
        assertThat(runtime().killTreeInSandbox("c1", 5, 9)).isEqualTo(2);
        assertThat(calls()).containsExactly(
                "--root /run/fake --debug ps c1",
                "--root /run/fake --debug kill --pid 6 c1 9",
                "--root /run/fake --debug kill --pid 5 c1 9");
    }

    // ---- failures --------------------------------------------------------------------------------

    @Test
    void anUnknownContainerIsNotFound() throws Exception {
        answer(1, "", "time=\"2024-01-01T00:00:00Z\" level=error msg=\"container c1 does not exist\"\n");
        assertThatThrownBy(() -> runtime().kill("c1", 9, false))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.NOT_FOUND))
                .hasMessage("fake kill c1: container c1 does not exist");
    }

    @Test
    void aContainerInTheWrongStateIsAFailedPrecondition() throws Exception {
        for (String msg : List.of("container not running", "cannot start an already running container",
                "container c1 is not in created state")) {
            answer(1, "", "time=\"x\" level=error msg=\"" + msg + "\"\n");
            assertThatThrownBy(() -> runtime().start("c1"))
                    .isInstanceOfSatisfying(HakoException.class,
                            e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.FAILED_PRECONDITION))
                    .hasMessage("fake start c1: " + msg);
        }
    }

    @Test
    void otherFailuresAreInternalAndSilentOnesGiveTheStatus() throws Exception {
        answer(2, "", "plain words on stderr\n");
        assertThatThrownBy(() -> runtime().update("c1", dir.resolve("r.json")))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INTERNAL))
                .hasMessage("fake update c1: plain words on stderr");
        answer(3, "", "");
        assertThatThrownBy(() -> runtime().kill("c1", 9, true))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INTERNAL))
                .hasMessage("fake kill c1: exit status 3");
    }

    @Test
    void deletingAContainerTheRuntimeDoesNotKnowSucceeds() throws Exception {
        answer(1, "", "time=\"x\" level=error msg=\"container does not exist\"\n");
        runtime().delete("c1", true);
        answer(1, "", "time=\"x\" level=error msg=\"device or resource busy\"\n");
        assertThatThrownBy(() -> runtime().delete("c1", true))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.INTERNAL))
                .hasMessage("fake delete c1: device or resource busy");
    }

    @Test
    void aRuntimeThatCannotRunIsUnavailable() {
        OciRuntime rt = new OciRuntime(new HandlerConfig("gone", dir.resolve("no-such-runtime"), null, List.of()), false);
        assertThatThrownBy(() -> rt.kill("c1", 9, false))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.UNAVAILABLE))
                .hasMessageStartingWith("cannot run " + dir.resolve("no-such-runtime") + ": ");
    }

    @Test
    void aRuntimeThatHangsIsKilledAtTheTimeout() throws Exception {
        Files.writeString(dir.resolve("hang"), "");
        OciRuntime rt = new OciRuntime(handler(null, List.of()), false, Duration.ofSeconds(1));
        assertThatThrownBy(() -> rt.start("c1"))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.UNAVAILABLE))
                .hasMessage(fake + " start c1 did not finish within 1s; killed");
    }
}
