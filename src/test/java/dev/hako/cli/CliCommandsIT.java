package dev.hako.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.admin.v1.AdminGrpc;
import dev.hako.admin.v1.ImportRequest;
import dev.hako.json.Json;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.HakoCommand;
import dev.hako.testing.image.TestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operator's commands against a real daemon, each a separate {@code hako} process: short IDs
 * everywhere (exec included), stop/rm/stopp/rmp, inspectp/inspecti, and {@code -o json|yaml}.
 */
class CliCommandsIT {

    @Test
    void anOperatorManagesPodsAndContainersByShortIds() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("").start()) {
            Path tar = d.dir().resolve("busybox.tar");
            TestImage.builder().layer(TestImage.busyboxLayer()).build().writeOciLayout(tar, "example.com/busybox:1");
            AdminGrpc.newBlockingStub(d.channel()).importImages(ImportRequest.newBuilder().setPath(tar.toString()).build());
            String socket = d.socket().toString();
            String[] first = runPod(d, "first");
            String[] second = runPod(d, "second");
            String pod = first[0];
            String ctr = first[1];

            // exec by a short ID (the reported bug), and logs/inspect by the same
            HakoCommand.Result exec = hako(d, "exec", ctr.substring(0, 12), "--", "/bin/sh", "-c", "echo via-short-id; exit 4");
            assertThat(exec.exitCode()).as(exec.output()).isEqualTo(4);
            assertThat(exec.output()).contains("via-short-id");
            HakoCommand.Result none = hako(d, "exec", "zzzz", "--", "true");
            assertThat(none.exitCode()).isEqualTo(1);
            assertThat(none.output()).contains("hako: no such container: zzzz");
            assertThat(hako(d, "inspect", ctr.substring(0, 8)).output()).contains("CONTAINER_RUNNING");

            // listings as JSON and YAML: complete CRI documents
            HakoCommand.Result ps = hako(d, "ps", "-o", "json");
            assertThat(ps.exitCode()).as(ps.output()).isZero();
            assertThat(ids(Json.parseObject(ps.output()), "containers")).containsExactlyInAnyOrder(ctr, second[1]);
            HakoCommand.Result pods = hako(d, "pods", "--output", "json");
            assertThat(ids(Json.parseObject(pods.output()), "items")).containsExactlyInAnyOrder(pod, second[0]);
            assertThat(hako(d, "pods", "-o", "yaml").output()).contains("items:\n").contains("  state: SANDBOX_READY\n")
                    .contains("name: first");
            HakoCommand.Result images = hako(d, "images", "-o", "json");
            @SuppressWarnings("unchecked")
            Map<String, Object> image = ((List<Map<String, Object>>) Json.parseObject(images.output()).get("images")).getFirst();
            assertThat(image.get("repoTags")).isEqualTo(List.of("example.com/busybox:1"));
            assertThat(hako(d, "ps", "-q").output().lines().toList()).containsExactlyInAnyOrder(ctr, second[1]);

            // inspectp and inspecti by short IDs
            HakoCommand.Result inspectp = hako(d, "inspectp", pod.substring(0, 10));
            assertThat(inspectp.exitCode()).as(inspectp.output()).isZero();
            assertThat(Json.parseObject(inspectp.output())).containsKey("status");
            assertThat(inspectp.output()).contains("SANDBOX_READY").contains("\"name\": \"first\"");
            String imageId = ((String) image.get("id")).substring(7);
            HakoCommand.Result inspecti = hako(d, "inspecti", imageId.substring(0, 12));
            assertThat(inspecti.exitCode()).as(inspecti.output()).isZero();
            assertThat(inspecti.output()).contains("example.com/busybox:1").contains(imageId);
            assertThat(hako(d, "inspecti", "-o", "yaml", "example.com/busybox:1").output()).contains("status:\n")
                    .contains("- example.com/busybox:1");
            HakoCommand.Result noImage = hako(d, "inspecti", "example.com/nothing:1");
            assertThat(noImage.exitCode()).isEqualTo(1);
            assertThat(noImage.output()).contains("no such image: example.com/nothing:1");

            // rm refuses a running container; stop, then rm, by short IDs
            HakoCommand.Result rmRunning = hako(d, "rm", ctr.substring(0, 12));
            assertThat(rmRunning.exitCode()).isEqualTo(1);
            assertThat(rmRunning.output()).contains("container is running; stop it first");
            HakoCommand.Result stop = hako(d, "stop", "-t", "1", ctr.substring(0, 12));
            assertThat(stop.exitCode()).as(stop.output()).isZero();
            assertThat(stop.output().strip()).isEqualTo(ctr);
            assertThat(hako(d, "ps", "-a", "-o", "json").output()).contains("CONTAINER_EXITED");
            HakoCommand.Result rm = hako(d, "rm", ctr.substring(0, 12), "zzzz");
            assertThat(rm.exitCode()).as("one of two IDs unknown").isEqualTo(1);
            assertThat(rm.output()).contains(ctr).contains("no such container: zzzz");
            assertThat(hako(d, "ps", "-a", "-q").output().lines().toList()).containsExactly(second[1]);

            // pods: stopp then rmp; rmp refuses a ready pod unless --force
            HakoCommand.Result stopp = hako(d, "stopp", pod.substring(0, 12));
            assertThat(stopp.exitCode()).as(stopp.output()).isZero();
            assertThat(stopp.output()).contains("Stopped sandbox " + pod);
            assertThat(hako(d, "rmp", pod.substring(0, 12)).output()).contains("Removed sandbox " + pod);
            HakoCommand.Result rmpReady = hako(d, "rmp", second[0].substring(0, 12));
            assertThat(rmpReady.exitCode()).isEqualTo(1);
            assertThat(rmpReady.output()).contains("pod is ready; stop it first");
            HakoCommand.Result rmpForce = hako(d, "rmp", "-f", second[0].substring(0, 12));
            assertThat(rmpForce.exitCode()).as(rmpForce.output()).isZero();
            assertThat(rmpForce.output()).contains("Removed sandbox " + second[0]);
            assertThat(hako(d, "pods", "-q").output()).isBlank();
            assertThat(hako(d, "ps", "-a", "-o", "json").output()).contains("\"containers\": [");
        }
    }

    private static HakoCommand.Result hako(DaemonProcess d, String... args) throws Exception {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        int dash = List.of(args).indexOf("--");
        if (dash >= 0) { // the socket goes before "--", which ends the options
            all = new String[args.length + 2];
            System.arraycopy(args, 0, all, 0, dash);
            all[dash] = "--socket";
            all[dash + 1] = d.socket().toString();
            System.arraycopy(args, dash, all, dash + 2, args.length - dash);
        } else {
            all[args.length] = "--socket";
            all[args.length + 1] = d.socket().toString();
        }
        return HakoCommand.run(d.dir(), all);
    }

    /** Runs a pod with one sleeping container: {pod ID, container ID}. */
    private static String[] runPod(DaemonProcess d, String name) throws Exception {
        Path yaml = Files.writeString(d.dir().resolve(name + ".yaml"), """
                pod:
                  metadata: {name: %s, namespace: default, uid: %s-1}
                  log_directory: %s/logs/%s
                containers:
                  - metadata: {name: sleeper}
                    image: {image: "example.com/busybox:1"}
                    command: ["/bin/sleep", "1000"]
                    log_path: sleeper/0.log
                """.formatted(name, name, d.dir(), name));
        HakoCommand.Result run = hako(d, "run", yaml.toString());
        assertThat(run.exitCode()).as(run.output()).isZero();
        String pod = run.output().lines().filter(l -> l.startsWith("pod ")).findFirst().orElseThrow().split(" ")[2];
        String ctr = run.output().lines().filter(l -> l.startsWith("container ")).findFirst().orElseThrow().split(" ")[2];
        return new String[] {pod, ctr};
    }

    @SuppressWarnings("unchecked")
    private static List<String> ids(Map<String, Object> doc, String key) {
        return ((List<Map<String, Object>>) doc.get(key)).stream().map(m -> (String) m.get("id")).toList();
    }
}
