import dev.hako.admin.v1.AdminGrpc;
import dev.hako.admin.v1.ImportRequest;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.ListContainerStatsRequest;
import dev.hako.cri.v1.ListPodSandboxStatsRequest;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.image.TestImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Stats latency: N running containers (10 pods of N/10), then 50 ListContainerStats and 50
 * ListPodSandboxStats calls from a warm client; prints median and max per call.
 * Usage: java -cp <test classpath> bench/StatsBench.java N
 */
public class StatsBench {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        try (DaemonProcess d = DaemonProcess.withConfig("").startWith(Path.of("bin/hako").toAbsolutePath())) {
            Path tar = d.dir().resolve("busybox.tar");
            TestImage.builder().layer(TestImage.busyboxLayer()).build().writeOciLayout(tar, "example.com/bench/busybox:1");
            AdminGrpc.newBlockingStub(d.channel()).importImages(ImportRequest.newBuilder().setPath(tar.toString()).build());
            for (int p = 0; p < 10; p++) {
                PodSandboxConfig pod = PodSandboxConfig.newBuilder()
                        .setMetadata(PodSandboxMetadata.newBuilder().setName("stats-" + p).setNamespace("bench").setUid("u" + p))
                        .setLogDirectory(d.dir().resolve("logs/" + p).toString()).build();
                String podId = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build()).getPodSandboxId();
                for (int c = 0; c < n / 10; c++) {
                    String id = d.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                            .setConfig(ContainerConfig.newBuilder().setMetadata(ContainerMetadata.newBuilder().setName("c" + c))
                                    .setImage(ImageSpec.newBuilder().setImage("example.com/bench/busybox:1"))
                                    .addCommand("/bin/sleep").addArgs("3600").setLogPath("c" + c + ".log"))
                            .setSandboxConfig(pod).build()).getContainerId();
                    d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
                }
            }
            Thread.sleep(3000); // a few samples
            List<Double> ctr = new ArrayList<>();
            List<Double> pods = new ArrayList<>();
            int seen = 0;
            for (int i = 0; i < 50; i++) {
                long t0 = System.nanoTime();
                seen = d.runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance()).getStatsCount();
                ctr.add((System.nanoTime() - t0) / 1e6);
                t0 = System.nanoTime();
                d.runtime().listPodSandboxStats(ListPodSandboxStatsRequest.getDefaultInstance());
                pods.add((System.nanoTime() - t0) / 1e6);
            }
            Collections.sort(ctr);
            Collections.sort(pods);
            System.out.printf("%d containers: ListContainerStats median %.2f ms (max %.2f); ListPodSandboxStats median %.2f ms (max %.2f)%n",
                    seen, ctr.get(25), ctr.getLast(), pods.get(25), pods.getLast());
        }
    }
}
