package dev.hako.monitor;

import dev.hako.oci.OciRuntime;
import dev.hako.sys.ProcCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A sandbox runtime (gVisor's runsc): the pod's infra container boots the pod's sandbox, and every app
 * container joins it, supervised by conmon through {@link SandboxShim}'s stand-in since its process is no
 * child of conmon's. Processes inside are numbered by the sandbox, which the runtime addresses them by.
 */
public record SandboxContainerRuntime(OciRuntime oci, Conmon conmon)
        implements ContainerRuntime {
    private static final int SIGKILL = 9;

    /**
     * gVisor (2022-12) cannot put a container in the infra container's PID namespace: it would share the
     * first container's, which dies with it. Each container keeps its own there.
     */
    @Override
    public boolean sharesPodPidNamespace() {
        return false;
    }

    @Override
    public boolean needsUnprivilegedPorts() {
        return true;
    }

    @Override
    public int create(AppContainer l) {
        return conmon.create(new Conmon.CreateRequest(l.id(), l.name(), l.bundle(), oci, l.logPath(), l.tty(), l.stdin(),
                l.stdinOnce(), handler().createTimeout(), true));
    }

    @Override
    public void start(String id, int initPid, Path bundle, Duration timeout) {
        conmon.startInSandbox(id, bundle, timeout);
    }

    @Override
    public void cancelCreated(String id, Path bundle) {
        conmon.cancelStart(bundle); // its stand-in ends with 137, as a killed process would
    }

    @Override
    public Optional<OciRuntime.Stats> stats(String id) {
        return oci.stats(id); // the host cgroups only see the sandbox as a whole
    }

    /**
     * Through a wrapper that has runsc write the command's pid inside the sandbox, where a timeout finds
     * the command's processes and kills them (with runsc called without {@code --systemd-cgroup}, as ever).
     */
    @Override
    public Conmon.ExecResult execSync(String id, Path bundle, Map<String, Object> processSpec, Duration timeout) {
        OciRuntime inSandbox = oci.systemdCgroup() ? new OciRuntime(handler(), false) : oci;
        return conmon.execSync(id, bundle, handler(), processSpec, timeout, inSandbox);
    }

    @Override
    public List<String> execCommand(String id, Path processJson, Path pidFile, Path innerPidFile) {
        return oci.execCommand(id, processJson, pidFile, innerPidFile);
    }

    @Override
    public void killExec(String id, Path pidFile, Path innerPidFile) throws IOException {
        if (Files.exists(innerPidFile)) {
            oci.killInSandbox(id, Integer.parseInt(Files.readString(innerPidFile).strip()), SIGKILL);
        } else if (Files.exists(pidFile)) {
            ProcCalls.kill(Integer.parseInt(Files.readString(pidFile).strip()), SIGKILL);
        }
    }
}
