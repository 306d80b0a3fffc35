import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.admin.v1.AdminGrpc;
import dev.hako.admin.v1.ImportRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.image.TestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Pod start latency: N sequential pods (image present), each RunPodSandbox + CreateContainer +
 * StartContainer of a busybox `sleep`, timed by this already-warm client; then the memory of the
 * daemon plus every conmon with all N pods running. Pods are attached to a bench-only CNI bridge
 * (hakobench0, 10.231.9.0/24, no masquerading) and the CNI ADD time the daemon logs is reported with its
 * share of the start time.
 * With {@code --handler NAME} the pods run under that RuntimeClass handler (runsc: one gVisor sandbox
 * per pod); the memory line then also counts the runtime's own processes (runsc-sandbox, runsc-gofer,
 * the infra container, conmon's stand-ins), per pod.
 * Usage: java -cp <test classpath> bench/PodStart.java [--handler NAME] N
 */
public class PodStart {
    public static void main(String[] args) throws Exception {
        String handler = "";
        List<String> rest = new ArrayList<>(List.of(args));
        int flag = rest.indexOf("--handler");
        if (flag >= 0) {
            handler = rest.get(flag + 1);
            rest.remove(flag + 1);
            rest.remove(flag);
        }
        int n = rest.isEmpty() ? 20 : Integer.parseInt(rest.getFirst());
        try (DaemonProcess d = DaemonProcess.withConfig("")
                .startWith(Path.of("bin/hako").toAbsolutePath())) {
            Files.writeString(DaemonProcess.cniConfDir(d.dir()).resolve("10-bench.conflist"), """
                    {"cniVersion": "1.0.0", "name": "hakobench", "plugins": [
                      {"type": "bridge", "bridge": "hakobench0", "isGateway": true, "ipMasq": false,
                       "ipam": {"type": "host-local", "dataDir": "%s", "ranges": [[{"subnet": "10.231.9.0/24"}]]}},
                      {"type": "portmap", "snat": true, "capabilities": {"portMappings": true}}
                    ]}
                    """.formatted(d.dir().resolve("ipam")));
            Path tar = d.dir().resolve("busybox.tar");
            TestImage.builder().layer(TestImage.busyboxLayer()).build().writeOciLayout(tar, "example.com/bench/busybox:1");
            AdminGrpc.newBlockingStub(d.channel()).importImages(ImportRequest.newBuilder().setPath(tar.toString()).build());
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i <= n; i++) { // pod 0 warms the path and is not counted
                PodSandboxConfig pod = PodSandboxConfig.newBuilder()
                        .setMetadata(PodSandboxMetadata.newBuilder().setName("bench-" + i).setNamespace("bench").setUid("uid-" + i))
                        .setHostname("bench-" + i)
                        .setLogDirectory(d.dir().resolve("logs/bench-" + i).toString())
                        // the kubelet's default: each container its own PID namespace
                        .setLinux(dev.hako.cri.v1.LinuxPodSandboxConfig.newBuilder().setSecurityContext(
                                dev.hako.cri.v1.LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(
                                        dev.hako.cri.v1.NamespaceOption.newBuilder()
                                                .setPid(dev.hako.cri.v1.NamespaceMode.CONTAINER))))
                        .build();
                ContainerConfig c = ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName("sleep"))
                        .setImage(ImageSpec.newBuilder().setImage("example.com/bench/busybox:1"))
                        .addCommand("/bin/sleep").addArgs("3600")
                        .setLogPath("sleep/0.log")
                        .build();
                long t0 = System.nanoTime();
                String podId = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod)
                        .setRuntimeHandler(handler).build()).getPodSandboxId();
                String id = d.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                        .setConfig(c).setSandboxConfig(pod).build()).getContainerId();
                d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
                double t = (System.nanoTime() - t0) / 1e6;
                if (i > 0) {
                    ms.add(t);
                }
            }
            Collections.sort(ms);
            List<Double> cniMs = new ArrayList<>();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("msg=\"CNI ADD\".* ms=(\\d+)").matcher(d.log());
            while (m.find()) {
                cniMs.add(Double.parseDouble(m.group(1)));
            }
            if (!cniMs.isEmpty()) {
                cniMs.removeFirst(); // pod 0
            }
            Collections.sort(cniMs);
            Thread.sleep(5000);
            long daemonKiB = rss(d.process().pid());
            long conmonKiB = 0;
            int conmons = 0;
            long runtimeKiB = 0;
            long runtimePssKiB = 0;
            long conmonPssKiB = 0;
            int runtimeProcs = 0;
            for (Path p : Files.list(Path.of("/proc")).filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                    long pid = Long.parseLong(p.getFileName().toString());
                    if (cmd.startsWith("/usr/bin/conmon ") && cmd.contains(d.dir().toString())) {
                        conmonKiB += rss(pid);
                        conmonPssKiB += pss(pid);
                        conmons++;
                    } else if ((cmd.startsWith("runsc-") || cmd.contains("/shims/") || cmd.startsWith("/pause "))
                            && (cmd.contains(d.dir().toString()) || cmd.startsWith("/pause "))) {
                        runtimeKiB += rss(pid);
                        runtimePssKiB += pss(pid);
                        runtimeProcs++;
                    }
                } catch (Exception gone) {
                    // process ended meanwhile
                }
            }
            System.out.printf("%d pods: start median %.1f ms, p90 %.1f ms (min %.1f, max %.1f)%n", n,
                    ms.get(ms.size() / 2), ms.get((int) Math.ceil(ms.size() * 0.9) - 1), ms.getFirst(), ms.getLast());
            if (!cniMs.isEmpty()) {
                double cni = cniMs.get(cniMs.size() / 2);
                System.out.printf("CNI set-up (bridge + host-local + portmap ADD): median %.0f ms, p90 %.0f ms = %.0f%% of the start median%n",
                        cni, cniMs.get((int) Math.ceil(cniMs.size() * 0.9) - 1), 100 * cni / ms.get(ms.size() / 2));
            }
            System.out.printf("handler %s%n", handler.isEmpty() ? "(default)" : handler);
            System.out.printf("memory with %d pods running: daemon %.1f MiB + %d conmons %.1f MiB = %.1f MiB%n", n + 1,
                    daemonKiB / 1024.0, conmons, conmonKiB / 1024.0, (daemonKiB + conmonKiB) / 1024.0);
            if (runtimeProcs > 0) {
                System.out.printf("runtime processes (sandbox, gofers, infra, stand-ins): %d, RSS %.1f MiB, PSS %.1f MiB%n",
                        runtimeProcs, runtimeKiB / 1024.0, runtimePssKiB / 1024.0);
            }
            System.out.printf("per pod (conmons + runtime processes): RSS %.1f MiB, PSS %.1f MiB "
                    + "(PSS splits pages shared between processes, such as the runsc binary's)%n",
                    (conmonKiB + runtimeKiB) / 1024.0 / (n + 1), (conmonPssKiB + runtimePssKiB) / 1024.0 / (n + 1));
            for (var p : d.runtime().listPodSandbox(dev.hako.cri.v1.ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                d.runtime().stopPodSandbox(dev.hako.cri.v1.StopPodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
                d.runtime().removePodSandbox(dev.hako.cri.v1.RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            }
        } finally {
            new ProcessBuilder("ip", "link", "del", "hakobench0").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
    }

    static long pss(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
            if (line.startsWith("Pss:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }

    static long rss(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return 0;
    }
}
