package dev.hako.testing;

import dev.hako.admin.v1.AdminGrpc;
import dev.hako.admin.v1.ImportRequest;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.ContainerStatus;
import dev.hako.cri.v1.ContainerStatusRequest;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.image.TestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/** A daemon with the busybox test image imported, and shortcuts to make pods and containers. */
public final class PodFixture {
    public static final String IMAGE = "example.com/test/busybox:1";
    public static final String USER_IMAGE = "example.com/test/busybox-user:1";

    private PodFixture() {}

    public static DaemonProcess daemonWithImages() throws Exception {
        DaemonProcess d = DaemonProcess.withConfig("").start();
        importImage(d, TestImage.builder().layer(TestImage.busyboxLayer()).build(), IMAGE);
        importImage(d, TestImage.builder().layer(TestImage.busyboxLayer()).user("1000").build(), USER_IMAGE);
        return d;
    }

    public static void importImage(DaemonProcess d, TestImage image, String name) throws Exception {
        Path tar = d.dir().resolve(UUID.randomUUID() + ".tar");
        image.writeOciLayout(tar, name);
        AdminGrpc.newBlockingStub(d.channel()).importImages(ImportRequest.newBuilder().setPath(tar.toString()).build());
        Files.delete(tar);
    }

    public static PodSandboxConfig podConfig(DaemonProcess d, String name) {
        return PodSandboxConfig.newBuilder()
                .setMetadata(PodSandboxMetadata.newBuilder().setName(name).setNamespace("default").setUid(name + "-uid"))
                .setHostname(name)
                .setLogDirectory(d.dir().resolve("logs").resolve(name).toString())
                // what the kubelet sends unless shareProcessNamespace is set (the proto's default is POD)
                .setLinux(dev.hako.cri.v1.LinuxPodSandboxConfig.newBuilder().setSecurityContext(
                        dev.hako.cri.v1.LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                dev.hako.cri.v1.NamespaceOption.newBuilder()
                                        .setPid(dev.hako.cri.v1.NamespaceMode.CONTAINER))))
                .build();
    }

    public static String runPod(DaemonProcess d, String name) {
        return d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(podConfig(d, name)).build())
                .getPodSandboxId();
    }

    public static ContainerConfig.Builder container(String name, String... shell) {
        return ContainerConfig.newBuilder()
                .setMetadata(ContainerMetadata.newBuilder().setName(name))
                .setImage(ImageSpec.newBuilder().setImage(IMAGE))
                .addAllCommand(List.of("/bin/sh", "-c"))
                .addArgs(String.join("\n", shell))
                .setLogPath(name + "/0.log");
    }

    public static String create(DaemonProcess d, String podId, ContainerConfig.Builder c) {
        return d.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId).setConfig(c)
                .build()).getContainerId();
    }

    public static String start(DaemonProcess d, String podId, ContainerConfig.Builder c) {
        String id = create(d, podId, c);
        d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    public static ContainerStatus status(DaemonProcess d, String id) {
        return d.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build()).getStatus();
    }

    /** GET {@code url} from the node, retrying for up to about 6 s while nothing answers yet. */
    public static String httpGet(String url) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .connectTimeout(java.time.Duration.ofSeconds(5)).proxy(java.net.http.HttpClient.Builder.NO_PROXY).build();
        Exception last = null;
        for (int i = 0; i < 30; i++) {
            try {
                return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                        .timeout(java.time.Duration.ofSeconds(5)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            } catch (java.io.IOException e) {
                last = e;
                Thread.sleep(200);
            }
        }
        throw last;
    }

    /** Polls until the container has exited (at most 10 s). */
    public static ContainerStatus awaitExit(DaemonProcess d, String id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            ContainerStatus s = status(d, id);
            if (s.getState() == dev.hako.cri.v1.ContainerState.CONTAINER_EXITED || System.currentTimeMillis() > deadline) {
                return s;
            }
            Thread.sleep(50);
        }
    }
}
