import dev.hako.admin.v1.AdminGrpc;
import dev.hako.admin.v1.ImportRequest;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.LinuxContainerConfig;
import dev.hako.cri.v1.LinuxContainerSecurityContext;
import dev.hako.cri.v1.LinuxPodSandboxConfig;
import dev.hako.cri.v1.LinuxSandboxSecurityContext;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.NamespaceMode;
import dev.hako.cri.v1.NamespaceOption;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.SecurityProfile;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.image.TestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Pod start, per phase, A/B: the kubelet-like pod of bench/pod-start (pid namespace per container, CNI bridge +
 * host-local + portmap, busybox sleep, image present), timed per RPC by a warm client, for several Hako builds
 * interleaved round by round (each round: a fresh daemon per build, one warm-up pod, then N pods).
 * Usage: java -cp <test classpath> bench/PodPhases.java [--seccomp] ROUNDS N LAUNCHER[@TOML]...
 * A launcher may name a TOML file after an {@code @}: its text is added to that daemon's config, so one build
 * can be measured with a feature on and off (e.g. {@code bin/hako bin/hako@bench/lib/metrics-on.toml}).
 * Prints the medians of RunPodSandbox, CreateContainer, StartContainer and the total per launcher, and the
 * medians of the daemon's "trace" step lines when it logs them.
 */
public class PodPhases {
    public static void main(String[] argv) throws Exception {
        List<String> args = new ArrayList<>(List.of(argv));
        boolean seccomp = args.remove("--seccomp");
        int rounds = Integer.parseInt(args.removeFirst());
        int n = Integer.parseInt(args.removeFirst());
        List<String> launchers = args;
        Map<String, Map<String, List<Double>>> phases = new LinkedHashMap<>();
        Map<String, Map<String, List<Double>>> steps = new LinkedHashMap<>();
        for (String l : launchers) {
            phases.put(l, new LinkedHashMap<>());
            steps.put(l, new TreeMap<>());
        }
        for (int round = 0; round < rounds; round++) {
            List<String> order = new ArrayList<>(launchers);
            if (round % 2 == 1) {
                Collections.reverse(order);
            }
            for (String l : order) {
                int at = l.indexOf('@');
                String toml = at < 0 ? "" : Files.readString(Path.of(l.substring(at + 1)));
                runOnce(Path.of(at < 0 ? l : l.substring(0, at)), toml, n, seccomp, phases.get(l), steps.get(l));
            }
        }
        for (String l : launchers) {
            System.out.println("== " + l + (seccomp ? " (RuntimeDefault seccomp)" : ""));
            phases.get(l).forEach((k, v) -> System.out.printf("  %-8s median %6.1f ms  p90 %6.1f  (n=%d)%n", k, median(v),
                    pct(v, 0.9), v.size()));
            steps.get(l).forEach((k, v) -> System.out.printf("    %-28s median %6.2f ms  p90 %6.2f%n", k, median(v), pct(v, 0.9)));
        }
    }

    static void runOnce(Path launcher, String toml, int n, boolean seccomp, Map<String, List<Double>> phases,
                        Map<String, List<Double>> steps) throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig(toml).startWith(launcher)) {
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
            for (int i = 0; i <= n; i++) { // pod 0 warms the path and is not counted
                PodSandboxConfig pod = PodSandboxConfig.newBuilder()
                        .setMetadata(PodSandboxMetadata.newBuilder().setName("bench-" + i).setNamespace("bench").setUid("uid-" + i))
                        .setHostname("bench-" + i)
                        .setLogDirectory(d.dir().resolve("logs/bench-" + i).toString())
                        .setLinux(LinuxPodSandboxConfig.newBuilder().setSecurityContext(LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))))
                        .build();
                ContainerConfig.Builder c = ContainerConfig.newBuilder()
                        .setMetadata(ContainerMetadata.newBuilder().setName("sleep"))
                        .setImage(ImageSpec.newBuilder().setImage("example.com/bench/busybox:1"))
                        .addCommand("/bin/sleep").addArgs("3600")
                        .setLogPath("sleep/0.log");
                if (seccomp) {
                    c.setLinux(LinuxContainerConfig.newBuilder().setSecurityContext(LinuxContainerSecurityContext.newBuilder()
                            .setNamespaceOptions(NamespaceOption.newBuilder().setPid(NamespaceMode.CONTAINER))
                            .setSeccomp(SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault))));
                }
                long t0 = System.nanoTime();
                String podId = d.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod).build()).getPodSandboxId();
                long t1 = System.nanoTime();
                String id = d.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                        .setConfig(c).setSandboxConfig(pod).build()).getContainerId();
                long t2 = System.nanoTime();
                d.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
                long t3 = System.nanoTime();
                if (i > 0) {
                    phases.computeIfAbsent("run", k -> new ArrayList<>()).add((t1 - t0) / 1e6);
                    phases.computeIfAbsent("create", k -> new ArrayList<>()).add((t2 - t1) / 1e6);
                    phases.computeIfAbsent("start", k -> new ArrayList<>()).add((t3 - t2) / 1e6);
                    phases.computeIfAbsent("total", k -> new ArrayList<>()).add((t3 - t0) / 1e6);
                }
            }
            for (int i = 0; i < 200; i++) {
                long v0 = System.nanoTime();
                d.runtime().version(dev.hako.cri.v1.VersionRequest.getDefaultInstance());
                if (i >= 100) {
                    phases.computeIfAbsent("version", k -> new ArrayList<>()).add((System.nanoTime() - v0) / 1e6);
                }
            }
            // trace lines: rpc=X total=T steps="a:1.0 b:2.0 ..."; skip the warm-up pod's (the first of each rpc)
            Map<String, Integer> seen = new java.util.HashMap<>();
            Matcher m = Pattern.compile("msg=\"?trace\"? rpc=(\\w+) total=([0-9.]+) steps=\"([^\"]*)\"").matcher(d.log());
            while (m.find()) {
                String rpc = m.group(1);
                if (seen.merge(rpc, 1, Integer::sum) == 1) {
                    continue;
                }
                steps.computeIfAbsent(rpc + ".TOTAL", k -> new ArrayList<>()).add(Double.parseDouble(m.group(2)));
                Map<String, Double> perRpc = new LinkedHashMap<>();
                for (String s : m.group(3).split(" ")) {
                    int colon = s.lastIndexOf(':');
                    if (colon > 0) {
                        perRpc.merge(s.substring(0, colon), Double.parseDouble(s.substring(colon + 1)), Double::sum);
                    }
                }
                perRpc.forEach((k, v) -> steps.computeIfAbsent(rpc + "." + k, x -> new ArrayList<>()).add(v));
            }
            Matcher calls = Pattern.compile("msg=\"call finished\" rpc=(RunPodSandbox|CreateContainer|StartContainer) code=OK micros=(\\d+)")
                    .matcher(d.log());
            while (calls.find()) {
                String rpc = calls.group(1);
                if (seen.merge("call-" + rpc, 1, Integer::sum) > 1) {
                    steps.computeIfAbsent("server." + rpc, k -> new ArrayList<>()).add(Long.parseLong(calls.group(2)) / 1000.0);
                }
            }
            for (var p : d.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()) {
                d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(p.getId()).build());
            }
        } finally {
            new ProcessBuilder("ip", "link", "del", "hakobench0").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.isEmpty() ? Double.NaN : s.get(s.size() / 2);
    }

    static double pct(List<Double> v, double p) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        return s.isEmpty() ? Double.NaN : s.get((int) Math.ceil(s.size() * p) - 1);
    }
}
