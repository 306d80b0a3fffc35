package dev.hako.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.admin.v1.AdminGrpc;
import dev.hako.admin.v1.ImportRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.HakoCommand;
import dev.hako.testing.image.TestImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code hako run}, {@code pods}, {@code ps}, {@code logs}, {@code exec} and {@code inspect}, as a newcomer uses them. */
class PodCommandsIT {

    @Test
    void runAPodFromYamlAndLookAtIt() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("").start()) {
            Path tar = d.dir().resolve("busybox.tar");
            TestImage.builder().layer(TestImage.busyboxLayer()).build().writeOciLayout(tar, "example.com/busybox:1");
            AdminGrpc.newBlockingStub(d.channel()).importImages(ImportRequest.newBuilder().setPath(tar.toString()).build());
            Path yaml = Files.writeString(d.dir().resolve("pod.yaml"), """
                    pod:
                      metadata: {name: hello, namespace: default, uid: hello-1}
                      hostname: hello
                      log_directory: %s/logs
                    containers:
                      - metadata: {name: greeter}
                        image: {image: "example.com/busybox:1"}
                        command: ["/bin/sh", "-c"]
                        args: ["echo hello from $(cat /etc/hostname); sleep 1000"]
                        log_path: greeter/0.log
                    """.formatted(d.dir()));
            String socket = d.socket().toString();
            HakoCommand.Result run = HakoCommand.run(d.dir(), "run", yaml.toString(), "--socket", socket);
            assertThat(run.exitCode()).as(run.output()).isZero();
            String containerId = run.output().lines().filter(l -> l.startsWith("container greeter ")).findFirst()
                    .orElseThrow().split(" ")[2];
            assertThat(HakoCommand.run(d.dir(), "pods", "--socket", socket).output()).contains("hello").contains("READY");
            assertThat(HakoCommand.run(d.dir(), "ps", "--socket", socket).output()).contains("greeter").contains("RUNNING");
            long deadline = System.currentTimeMillis() + 10_000;
            String logs = "";
            while (!logs.contains("hello from hello") && System.currentTimeMillis() < deadline) {
                logs = HakoCommand.run(d.dir(), "logs", containerId.substring(0, 12), "--socket", socket).output();
            }
            assertThat(logs).contains("hello from hello");
            HakoCommand.Result exec = HakoCommand.run(d.dir(), "exec", containerId, "--socket", socket, "--", "/bin/sh", "-c",
                    "echo out; exit 3");
            assertThat(exec.exitCode()).isEqualTo(3);
            assertThat(exec.output()).contains("out");
            assertThat(HakoCommand.run(d.dir(), "inspect", containerId, "--socket", socket).output())
                    .contains("\"runtimeSpec\"").contains("CONTAINER_RUNNING");
        }
    }
}
