package dev.hako.pod;

import dev.hako.config.CgroupDriver;
import dev.hako.config.HandlerConfig;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.log.Log;
import dev.hako.monitor.Conmon;
import dev.hako.monitor.ContainerRuntime;
import dev.hako.spec.InfraSpec;
import dev.hako.trace.Trace;
import dev.hako.oci.OciRuntime;
import dev.hako.spec.PodContext;
import dev.hako.sys.FileTrees;
import dev.hako.sys.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A pod's infra container, for the pods that need one (see {@link HandlerConfig#needsInfra}): gVisor
 * pods, whose sandbox is booted for the first container and must outlive the others, and pods sharing
 * one PID namespace. It has the pod's ID as its container ID (runsc finds the sandbox by the
 * {@code sandbox-id} annotation, which names the first container), its bundle in
 * {@code <pod dir>/infra}, and runs under conmon like any container, so it survives daemon restarts.
 *
 * <p>Its root file system is shared by every infra container: {@code <state>/infra/rootfs}, holding
 * only a copy of the configured static binary (catatonit in pause mode by default) and empty mount
 * points, mounted read-only. No image, no pull, nothing per pod on disk but the bundle.
 */
final class InfraContainer {
    private static final Log LOG = Log.of("pod");
    static final String DIR = "infra";
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    private final List<String> command;
    private final Path rootfs;
    private final Conmon conmon;
    private final CgroupDriver driver;
    private final int minOomScoreAdj;

    InfraContainer(List<String> command, Path stateDir, Conmon conmon, CgroupDriver driver, int minOomScoreAdj) {
        this.command = List.copyOf(command);
        this.rootfs = stateDir.resolve(DIR).resolve("rootfs");
        this.conmon = conmon;
        this.driver = driver;
        this.minOomScoreAdj = minOomScoreAdj;
    }

    /** Creates and starts the pod's infra container; returns its pid (on the host). */
    int start(PodContext pod, Map<String, String> podAnnotations, ContainerRuntime runtime, Path podDir)
            throws IOException {
        HandlerConfig handler = runtime.handler();
        prepareRootfs();
        Path bundle = podDir.resolve(DIR);
        PrivateFiles.directory(bundle);
        Trace.run("oci spec", () -> PrivateFiles.writeString(bundle.resolve("config.json"), Json.write(InfraSpec.generate(pod,
                command.subList(1, command.size()), rootfs, driver, minOomScoreAdj, allowed(podAnnotations, handler)).toJson())));
        int pid = Trace.in("conmon create", () -> runtime.createInfra(pod.podId(), bundle, bundle.resolve("infra.log")));
        Trace.run("runtime start", () -> runtime.oci().start(pod.podId()));
        LOG.debug("infra container started", "pod", pod.podId(), "pid", pid, "handler", handler.name());
        return pid;
    }

    private static Map<String, String> allowed(Map<String, String> annotations, HandlerConfig handler) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        annotations.forEach((k, v) -> {
            if (handler.allowsAnnotation(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** Whether the pod's infra container has exited (conmon wrote its exit file). */
    boolean exited(String podId, Path podDir) {
        return conmon.exit(podId, podDir.resolve(DIR)).isPresent();
    }

    /** Kills the infra container and waits (bounded) for conmon to see it go; already exited is fine. */
    void stop(String podId, Path podDir, ContainerRuntime runtime) {
        if (exited(podId, podDir) || !Files.isDirectory(podDir.resolve(DIR))) {
            return;
        }
        try {
            runtime.kill(podId, 9, false);
        } catch (HakoException e) {
            // not running or unknown to the runtime: the exit file is what counts
            LOG.debug("infra kill", "pod", podId, "error", e.getMessage());
        }
        long deadline = System.nanoTime() + KILL_WAIT.toNanos();
        while (!exited(podId, podDir) && System.nanoTime() < deadline) {
            sleep(20);
        }
        if (!exited(podId, podDir)) {
            LOG.warn("infra container did not exit after SIGKILL; the pod stops anyway: look for its processes stuck in the kernel (state D)",
                    "pod", podId);
        }
    }

    /** Stops and deletes it from the runtime and the monitor's records; absent is fine. */
    void remove(String podId, Path podDir, ContainerRuntime runtime) {
        stop(podId, podDir, runtime);
        runtime.delete(podId, true);
        conmon.forget(podId);
    }

    /**
     * Undoes an infra container whose pod's creation a crash cut short: its monitor (which may still wait
     * for its start byte) is killed, the runtime's container force-deleted ({@code runtime} null when its handler
     * is no longer configured), the monitor's records dropped.
     */
    void abandon(String podId, Path podDir, ContainerRuntime runtime) {
        int monitors = dev.hako.monitor.MonitorProcesses.kill(podDir.resolve(DIR));
        if (runtime != null) {
            runtime.delete(podId, true);
        } else {
            LOG.warn("the handler of an unfinished pod sandbox is no longer configured; its infra container is not deleted: "
                    + "delete it with that runtime (<runtime> delete --force <pod>)", "pod", podId);
        }
        conmon.forget(podId);
        LOG.debug("infra container abandoned", "pod", podId, "monitors_killed", monitors);
    }

    /** The infra container's state as its runtime reports it. */
    Optional<OciRuntime.State> state(String podId, ContainerRuntime runtime) {
        return runtime.state(podId);
    }

    /**
     * Makes the shared infra root (once, and again when the configured binary changed): the binary is
     * copied beside and renamed into place, so a running infra container never sees a half-written file.
     */
    private synchronized void prepareRootfs() throws IOException {
        Path source = Path.of(command.getFirst());
        if (!Files.isRegularFile(source) || !Files.isExecutable(source)) {
            throw HakoException.failedPrecondition("the infra container's binary " + source
                    + " (runtime.infra_command) is missing or not executable; install it (apt-get install catatonit)"
                    + " or set runtime.infra_command");
        }
        // the rootfs itself stays 0755 (the container's "/"); its parent keeps host users out
        PrivateFiles.directory(rootfs.getParent());
        Path target = rootfs.resolve(InfraSpec.BINARY.substring(1));
        BasicFileAttributes src = Files.readAttributes(source, BasicFileAttributes.class);
        if (Files.isRegularFile(target)) {
            BasicFileAttributes dst = Files.readAttributes(target, BasicFileAttributes.class);
            if (dst.size() == src.size() && dst.lastModifiedTime().equals(src.lastModifiedTime())) {
                return;
            }
        }
        Files.createDirectories(rootfs);
        for (String dir : InfraSpec.MOUNT_POINTS) {
            Files.createDirectories(rootfs.resolve(dir));
        }
        for (String file : List.of("etc/resolv.conf", "etc/hosts")) {
            if (!Files.exists(rootfs.resolve(file))) {
                Files.createFile(rootfs.resolve(file));
            }
        }
        Path temp = rootfs.resolve(".pause.new");
        Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("infra root file system prepared", "binary", source, "rootfs", rootfs);
    }

    static void deleteBundle(Path podDir) {
        try {
            FileTrees.delete(podDir.resolve(DIR));
        } catch (IOException e) {
            LOG.warn("cannot delete the infra bundle; the pod directory's cleanup retries", "pod", podDir.getFileName(),
                    "path", podDir.resolve(DIR), "error", Log.cause(e));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
