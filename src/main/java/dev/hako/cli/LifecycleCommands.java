package dev.hako.cli;

import dev.hako.cri.v1.Container;
import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.ContainerStateValue;
import dev.hako.cri.v1.ContainerStatusRequest;
import dev.hako.cri.v1.ContainerStatus;
import dev.hako.cri.v1.ContainerFilter;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.PodSandboxState;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.RemoveContainerRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.StopContainerRequest;
import dev.hako.cri.v1.StopPodSandboxRequest;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * {@code hako stop}, {@code rm}, {@code stopp} and {@code rmp}: stopping and removing containers and
 * pods by ID or unique ID prefix, several at once, as crictl does (each ID printed when done; a
 * failure names the ID and the rest still run).
 */
final class LifecycleCommands {
    /** What a pod stop may take: its containers' grace periods run in the daemon. */
    private static final Duration POD_STOP = Duration.ofMinutes(2);

    private LifecycleCommands() {}

    /** Stops each container, killing it after {@code timeoutSeconds} of SIGTERM (or its stop signal). */
    static boolean stop(CriClient c, List<String> given, boolean all, long timeoutSeconds, PrintStream out, PrintStream err) {
        Ids ids = new Ids(c);
        List<String> targets = all ? running(c) : given;
        return Each.of(targets, err, "stopping container", g -> {
            String id = all ? g : ids.container(g);
            c.runtime(Duration.ofSeconds(timeoutSeconds + 30)).stopContainer(StopContainerRequest.newBuilder()
                    .setContainerId(id).setTimeout(timeoutSeconds).build());
            out.println(id);
        });
    }

    /** Removes each container; a running one only with {@code force}, which stops it first (no grace). */
    static boolean rm(CriClient c, List<String> given, boolean all, boolean force, PrintStream out, PrintStream err) {
        Ids ids = new Ids(c);
        List<String> targets = all ? ids.containers() : given;
        return Each.of(targets, err, "removing container", g -> {
            String id = ids.container(g);
            ContainerStatus s = c.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build())
                    .getStatus();
            if (s.getState() == ContainerState.CONTAINER_RUNNING) {
                if (!force) {
                    throw new IllegalStateException("container is running; stop it first (hako stop) or use --force");
                }
                c.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
            }
            c.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());
            out.println(id);
        });
    }

    /** Stops each pod: its containers, then its sandbox and network. */
    static boolean stopp(CriClient c, List<String> given, PrintStream out, PrintStream err) {
        Ids ids = new Ids(c);
        return Each.of(given, err, "stopping pod", g -> {
            String id = ids.pod(g);
            c.runtime(POD_STOP).stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            out.println("Stopped sandbox " + id);
        });
    }

    /** Removes each pod with its containers; a ready one only with {@code force}, which stops it first. */
    static boolean rmp(CriClient c, List<String> given, boolean all, boolean force, PrintStream out, PrintStream err) {
        Ids ids = new Ids(c);
        List<String> targets = all ? ids.pods() : given;
        return Each.of(targets, err, "removing pod", g -> {
            String id = ids.pod(g);
            PodSandboxState state = c.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id)
                    .build()).getStatus().getState();
            if (state == PodSandboxState.SANDBOX_READY) {
                if (!force) {
                    throw new IllegalStateException("pod is ready; stop it first (hako stopp) or use --force");
                }
                c.runtime(POD_STOP).stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            }
            c.runtime(POD_STOP).removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(id).build());
            out.println("Removed sandbox " + id);
        });
    }

    private static List<String> running(CriClient c) {
        return c.runtime().listContainers(ListContainersRequest.newBuilder().setFilter(ContainerFilter.newBuilder()
                        .setState(ContainerStateValue.newBuilder().setState(ContainerState.CONTAINER_RUNNING))).build())
                .getContainersList().stream().map(Container::getId).toList();
    }
}
