package dev.hako.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.CgroupDriver;
import dev.hako.config.HandlerConfig;
import dev.hako.config.RuntimeSettings;
import dev.hako.error.HakoException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The runtimes are built once per handler, of the kind the handler's binary names, around one conmon. */
class ContainerRuntimesTest {
    private static final HandlerConfig RUNC = new HandlerConfig("runc", Path.of("/usr/sbin/runc"), Path.of("/run/r"), List.of());
    private static final HandlerConfig RUNSC = new HandlerConfig("gvisor", Path.of("/usr/bin/runsc"), Path.of("/run/g"), List.of());

    private final Conmon conmon = new Conmon(Path.of("/usr/bin/conmon"), Path.of("/run/hako-test"));
    private final ContainerRuntimes runtimes = new ContainerRuntimes(new RuntimeSettings("runc", CgroupDriver.SYSTEMD,
            Path.of("/usr/bin/conmon"), "pause", List.of("/pause"), Map.of("runc", RUNC, "gvisor", RUNSC), null), conmon);

    @Test
    void eachHandlerGetsTheKindItsBinaryNames() {
        ContainerRuntime runc = runtimes.runtime("runc");
        ContainerRuntime gvisor = runtimes.runtime("gvisor");
        assertThat(runc).isInstanceOf(OciContainerRuntime.class);
        assertThat(gvisor).isInstanceOf(SandboxContainerRuntime.class);
        assertThat(runc.sharesPodPidNamespace()).isTrue();
        assertThat(gvisor.sharesPodPidNamespace()).isFalse();
        assertThat(gvisor.needsUnprivilegedPorts()).isTrue();
        assertThat(runc.handler()).isEqualTo(RUNC);
        assertThat(runc.oci().systemdCgroup()).isTrue();
    }

    @Test
    void builtOnceAroundOneConmon() {
        assertThat(runtimes.runtime("runc")).isSameAs(runtimes.runtime("runc"));
        assertThat(runtimes.runtime("runc").conmon()).isSameAs(conmon).isSameAs(runtimes.runtime("gvisor").conmon());
    }

    @Test
    void aHandlerThatIsGoneIsAFailedPrecondition() {
        assertThat(runtimes.find("kata")).isEmpty();
        assertThatThrownBy(() -> runtimes.runtime("kata"))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind())
                        .isEqualTo(HakoException.Kind.FAILED_PRECONDITION))
                .hasMessage("runtime handler \"kata\" is no longer configured");
    }

    @Test
    void onlyASandboxRuntimeAsksForThePidInsideItsSandbox() {
        Path p = Path.of("/x/process.json");
        Path pid = Path.of("/x/pid");
        Path inner = Path.of("/x/pid.sandbox");
        assertThat(runtimes.runtime("runc").execCommand("c1", p, pid, inner)).doesNotContain("--internal-pid-file");
        assertThat(runtimes.runtime("gvisor").execCommand("c1", p, pid, inner))
                .containsSubsequence("exec", "--internal-pid-file", inner.toString(), "c1");
    }
}
