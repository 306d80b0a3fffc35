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

/** An OCI runtime (runc, crun): each container its own, run under conmon, its processes host processes. */
public record OciContainerRuntime(OciRuntime oci, Conmon conmon)
        implements ContainerRuntime {
    private static final int SIGKILL = 9;

    @Override
    public boolean sharesPodPidNamespace() {
        return true;
    }

    @Override
    public boolean needsUnprivilegedPorts() {
        return false;
    }

    @Override
    public int create(AppContainer l) {
        return conmon.create(new Conmon.CreateRequest(l.id(), l.name(), l.bundle(), oci, l.logPath(), l.tty(), l.stdin(),
                l.stdinOnce(), handler().createTimeout(), false));
    }

    @Override
    public void start(String id, int initPid, Path bundle, Duration timeout) {
        oci.start(id, initPid);
    }

    @Override
    public void cancelCreated(String id, Path bundle) {
        oci.kill(id, SIGKILL, true);
    }

    @Override
    public Optional<OciRuntime.Stats> stats(String id) {
        return Optional.empty(); // sampled from the container's cgroup
    }

    @Override
    public Conmon.ExecResult execSync(String id, Path bundle, Map<String, Object> processSpec, Duration timeout) {
        return conmon.execSync(id, bundle, handler(), processSpec, timeout);
    }

    @Override
    public List<String> execCommand(String id, Path processJson, Path pidFile, Path innerPidFile) {
        return oci.execCommand(id, processJson, pidFile, null);
    }

    @Override
    public void killExec(String id, Path pidFile, Path innerPidFile) throws IOException {
        if (Files.exists(pidFile)) {
            ProcCalls.kill(Integer.parseInt(Files.readString(pidFile).strip()), SIGKILL);
        }
    }
}
