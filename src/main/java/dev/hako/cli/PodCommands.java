package dev.hako.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.hako.admin.v1.PullEvent;
import dev.hako.admin.v1.PullRequest;
import dev.hako.cri.v1.Container;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.ContainerStatusRequest;
import dev.hako.cri.v1.ContainerStatusResponse;
import dev.hako.cri.v1.CreateContainerRequest;
import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.ExecSyncResponse;
import dev.hako.cri.v1.ImageStatusRequest;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.ListContainersResponse;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.ListPodSandboxResponse;
import dev.hako.cri.v1.PodSandbox;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PodSandboxStatusRequest;
import dev.hako.cri.v1.RunPodSandboxRequest;
import dev.hako.cri.v1.StartContainerRequest;
import dev.hako.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** {@code hako pods}, {@code ps}, {@code logs}, {@code exec}, {@code inspect}, {@code inspectp} and {@code run}. */
final class PodCommands {
    private PodCommands() {}

    static void pods(CriClient c, Output format, boolean quiet, PrintStream out) {
        ListPodSandboxResponse list = c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance());
        if (quiet) {
            list.getItemsList().forEach(p -> out.println(p.getId()));
            return;
        }
        if (format != Output.TABLE) {
            out.print(format.document(list));
            return;
        }
        out.printf("%-13s %-9s %-30s %-20s %s%n", "POD ID", "STATE", "NAME", "NAMESPACE", "CREATED");
        for (PodSandbox p : list.getItemsList()) {
            out.printf("%-13s %-9s %-30s %-20s %s%n", p.getId().substring(0, 13),
                    p.getState().name().replace("SANDBOX_", ""), p.getMetadata().getName(), p.getMetadata().getNamespace(),
                    ago(p.getCreatedAt()));
        }
    }

    static void ps(CriClient c, PsFilter filter, Output format, boolean quiet, PrintStream out) {
        ListContainersResponse.Builder list = c.runtime().listContainers(ListContainersRequest.getDefaultInstance()).toBuilder();
        java.util.Map<String, String> podNames = new java.util.HashMap<>();
        if (filter.needsPodNames()) {
            c.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()
                    .forEach(p -> podNames.put(p.getId(), p.getMetadata().getName()));
        }
        List<Container> shown = list.getContainersList().stream().filter(k -> filter.admits(k, podNames)).toList();
        list.clearContainers().addAllContainers(shown);
        if (quiet) {
            list.getContainersList().forEach(k -> out.println(k.getId()));
            return;
        }
        if (format != Output.TABLE) {
            out.print(format.document(list));
            return;
        }
        out.printf("%-13s %-30s %-9s %-25s %-13s %s%n", "CONTAINER", "IMAGE", "STATE", "NAME", "POD ID", "CREATED");
        for (Container k : list.getContainersList()) {
            out.printf("%-13s %-30s %-9s %-25s %-13s %s%n", k.getId().substring(0, 13), k.getImage().getImage(),
                    k.getState().name().replace("CONTAINER_", ""), k.getMetadata().getName(),
                    k.getPodSandboxId().substring(0, 13), ago(k.getCreatedAt()));
        }
    }

    /** Prints the container's log content (the CRI log format stripped), following it with {@code follow}. */
    static void logs(CriClient c, String given, boolean follow, PrintStream out) throws IOException, InterruptedException {
        String id = new Ids(c).container(given);
        ContainerStatusResponse s = c.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(id).build());
        Path log = Path.of(s.getStatus().getLogPath());
        long pos = 0;
        StringBuilder partial = new StringBuilder();
        while (true) {
            if (Files.exists(log)) {
                try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
                    if (f.length() < pos) {
                        pos = 0; // rotated
                    }
                    f.seek(pos);
                    byte[] buf = new byte[(int) Math.min(f.length() - pos, 1 << 20)];
                    f.readFully(buf);
                    pos += buf.length;
                    partial.append(new String(buf, StandardCharsets.UTF_8));
                }
                int nl;
                while ((nl = partial.indexOf("\n")) >= 0) {
                    printRecord(partial.substring(0, nl), out);
                    partial.delete(0, nl + 1);
                }
                out.flush();
            }
            if (!follow) {
                return;
            }
            Thread.sleep(200);
        }
    }

    /** {@code <time> <stream> <P|F> <content>}: full records end their line, partial ones continue it. */
    private static void printRecord(String record, PrintStream out) {
        String[] parts = record.split(" ", 4);
        if (parts.length < 3) {
            return;
        }
        String content = parts.length == 4 ? parts[3] : "";
        if (parts[2].startsWith("P")) {
            out.print(content);
        } else {
            out.println(content);
        }
    }

    /** ExecSync with a 60 s timeout (the call's deadline leaves the daemon time to report it). */
    static int exec(CriClient c, String given, List<String> cmd, PrintStream out, PrintStream err) {
        String id = new Ids(c).container(given);
        ExecSyncResponse r = c.runtime(Duration.ofSeconds(75)).execSync(ExecSyncRequest.newBuilder().setContainerId(id)
                .addAllCmd(cmd).setTimeout(60).build());
        out.write(r.getStdout().toByteArray(), 0, r.getStdout().size());
        err.write(r.getStderr().toByteArray(), 0, r.getStderr().size());
        out.flush();
        err.flush();
        return r.getExitCode();
    }

    /**
     * Status of each container, or else pod, as JSON or YAML (verbose info included); an ID prefix is
     * matched against the containers first, then the pods.
     */
    static boolean inspect(CriClient c, List<String> given, Output format, PrintStream out, PrintStream err) {
        Ids ids = new Ids(c);
        return Each.of(given, err, "inspecting", g -> {
            var container = ids.findContainer(g);
            if (container.isPresent()) {
                var r = c.runtime().containerStatus(ContainerStatusRequest.newBuilder().setContainerId(container.get())
                        .setVerbose(true).build());
                out.print(format.document(withInfo(Output.json(r.getStatus()), r.getInfoMap())));
            } else {
                inspectPod(c, ids.podOrNone(g, "container or pod"), format, out);
            }
        });
    }

    /** {@code hako inspectp}: each pod's status and verbose info. */
    static boolean inspectp(CriClient c, List<String> given, Output format, PrintStream out, PrintStream err) {
        Ids ids = new Ids(c);
        return Each.of(given, err, "inspecting pod", g -> inspectPod(c, ids.pod(g), format, out));
    }

    private static void inspectPod(CriClient c, String id, Output format, PrintStream out) {
        var r = c.runtime().podSandboxStatus(PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).setVerbose(true).build());
        out.print(format.document(withInfo(Output.json(r.getStatus()), r.getInfoMap())));
    }

    /** {"status": …, "info": …} with the info values (JSON documents themselves) embedded, not quoted. */
    static String withInfo(String statusJson, Map<String, String> info) {
        StringBuilder s = new StringBuilder("{\"status\":").append(statusJson);
        for (Map.Entry<String, String> e : info.entrySet()) {
            s.append(',');
            Json.quote(s, e.getKey());
            s.append(':').append(e.getValue());
        }
        return Json.pretty(s.append('}').toString());
    }

    /**
     * Runs a pod from a YAML (or JSON) file: {@code pod:} holds a PodSandboxConfig and
     * {@code containers:} a list of ContainerConfigs, with crictl's field names. Missing images are
     * pulled first.
     */
    @SuppressWarnings("unchecked")
    static void run(CriClient c, Path file, String handler, PrintStream out) throws IOException {
        Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
        if (!(doc instanceof Map<?, ?> top) || !(top.get("pod") instanceof Map<?, ?> podMap)) {
            throw new IllegalArgumentException(file + ": expected a mapping with a `pod:` section");
        }
        PodSandboxConfig pod = (PodSandboxConfig) proto(podMap, PodSandboxConfig.newBuilder(), file + " pod");
        List<Object> containers = top.get("containers") instanceof List<?> l ? (List<Object>) l : List.of();
        for (Object o : containers) {
            ContainerConfig cc = (ContainerConfig) proto(o, ContainerConfig.newBuilder(), file + " container");
            String image = cc.getImage().getImage();
            if (!c.image().imageStatus(ImageStatusRequest.newBuilder().setImage(cc.getImage()).build()).hasImage()) {
                out.println("pulling " + image);
                Iterator<PullEvent> events = c.admin().pull(PullRequest.newBuilder().setImage(image).build());
                events.forEachRemaining(e -> { });
            }
        }
        String podId = c.runtime().runPodSandbox(RunPodSandboxRequest.newBuilder().setConfig(pod)
                .setRuntimeHandler(handler == null ? "" : handler).build()).getPodSandboxId();
        out.println("pod " + pod.getMetadata().getName() + " " + podId);
        for (Object o : containers) {
            ContainerConfig cc = (ContainerConfig) proto(o, ContainerConfig.newBuilder(), file + " container");
            String id = c.runtime().createContainer(CreateContainerRequest.newBuilder().setPodSandboxId(podId)
                    .setConfig(cc).setSandboxConfig(pod).build()).getContainerId();
            c.runtime().startContainer(StartContainerRequest.newBuilder().setContainerId(id).build());
            out.println("container " + cc.getMetadata().getName() + " " + id);
        }
    }

    private static Message proto(Object yaml, Message.Builder builder, String what) throws InvalidProtocolBufferException {
        try {
            JsonFormat.parser().merge(Json.write(yaml), builder);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage());
        }
        return builder.build();
    }

    private static String ago(long nanos) {
        Duration d = Duration.between(Instant.ofEpochSecond(0, nanos), Instant.now());
        if (d.toSeconds() < 60) {
            return d.toSeconds() + "s ago";
        }
        if (d.toMinutes() < 60) {
            return d.toMinutes() + "m ago";
        }
        return d.toHours() + "h ago";
    }
}
