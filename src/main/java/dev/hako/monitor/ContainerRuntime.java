package dev.hako.monitor;

import dev.hako.config.HandlerConfig;
import dev.hako.oci.OciRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The runtime of one handler, as the services use it: every difference between the kinds of runtime
 * lives in the implementations, so callers never ask which kind they hold. Two kinds exist, as CRI-O's
 * {@code oci} and {@code pod} runtime types (a VM kind, CRI-O's {@code vm}, would be a third):
 * {@link OciContainerRuntime}, an OCI runtime (runc, crun) whose containers each run under conmon, and
 * {@link SandboxContainerRuntime}, a sandbox runtime (gVisor's runsc) that boots one sandbox per pod in
 * the pod's infra container, which the pod's other containers join.
 *
 * <p>Built once per configured handler by {@link ContainerRuntimes}, all sharing the daemon's one {@link Conmon}.
 */
public sealed interface ContainerRuntime permits OciContainerRuntime, SandboxContainerRuntime {

    /** The handler's configuration. */
    default HandlerConfig handler() {
        return oci().handler();
    }

    /** The runtime binary itself, for the calls that need no monitor. */
    OciRuntime oci();

    /** The container monitor every container of this runtime runs under. */
    Conmon conmon();

    /** The runtime of {@code handler}, of the kind its binary names, under {@code conmon}. */
    static ContainerRuntime of(HandlerConfig handler, Conmon conmon, boolean systemdCgroup) {
        OciRuntime oci = new OciRuntime(handler, systemdCgroup);
        return handler.sandboxRuntime() ? new SandboxContainerRuntime(oci, conmon) : new OciContainerRuntime(oci, conmon);
    }

    // ---- what the pod needs ----------------------------------------------------------------------

    /** Whether a pod's containers can share one PID namespace, the infra container's. */
    boolean sharesPodPidNamespace();

    /** Whether the pod's network namespace must let unprivileged processes bind low ports. */
    boolean needsUnprivilegedPorts();

    /** Whether pods of this handler run an infra container, given whether the pod shares a PID namespace. */
    default boolean needsInfra(boolean sharedPid) {
        return handler().needsInfra(sharedPid);
    }

    /** Creates a pod's infra container under conmon (for a sandbox runtime: the pod's sandbox); returns its pid. */
    default int createInfra(String podId, Path bundle, Path logPath) {
        return conmon().create(new Conmon.CreateRequest(podId, "infra", bundle, oci(), logPath, false, false, false,
                handler().createTimeout()));
    }

    // ---- a container's lifecycle -----------------------------------------------------------------

    /** What CreateContainer asks for: the container, its bundle, its log and its stdio. */
    record AppContainer(String id, String name, Path bundle, Path logPath, boolean tty, boolean stdin, boolean stdinOnce) {}

    /** Creates an app container under conmon; returns its pid once the runtime created it. */
    int create(AppContainer container);

    /** Starts created container {@code id}, whose init process is {@code initPid}. */
    void start(String id, int initPid, Path bundle, Duration timeout);

    /** Ends a container that was created and never started. */
    void cancelCreated(String id, Path bundle);

    /** {@code runtime kill [--all] id signal}. */
    default void kill(String id, int signal, boolean all) {
        oci().kill(id, signal, all);
    }

    /** {@code runtime delete [--force] id}. */
    default void delete(String id, boolean force) {
        oci().delete(id, force);
    }

    /** {@code runtime state id}. */
    default Optional<OciRuntime.State> state(String id) {
        return oci().state(id);
    }

    /** {@code runtime update --resources FILE id}. */
    default void update(String id, Path resources) {
        oci().update(id, resources);
    }

    /** The runtime's own accounting of a running container, where the host cgroups cannot tell (empty otherwise). */
    Optional<OciRuntime.Stats> stats(String id);

    // ---- exec ------------------------------------------------------------------------------------

    /** ExecSync through conmon (see {@link Conmon#execSync}). */
    Conmon.ExecResult execSync(String id, Path bundle, Map<String, Object> processSpec, Duration timeout);

    /**
     * The command line of a foreground exec (see {@link OciRuntime#execCommand}); {@code pidFile} receives
     * the process's host pid, {@code innerPidFile} its pid inside a sandbox where there is one.
     */
    List<String> execCommand(String id, Path processJson, Path pidFile, Path innerPidFile);

    /** Kills a foreground exec's process, found through the files {@link #execCommand} named. */
    void killExec(String id, Path pidFile, Path innerPidFile) throws IOException;
}
