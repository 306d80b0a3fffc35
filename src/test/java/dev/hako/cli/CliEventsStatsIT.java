package dev.hako.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.RemoveContainerRequest;
import dev.hako.cri.v1.RemovePodSandboxRequest;
import dev.hako.cri.v1.StopContainerRequest;
import dev.hako.cri.v1.StopPodSandboxRequest;
import dev.hako.json.Json;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.HakoCommand;
import dev.hako.testing.PodFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code hako events} (two followers, JSON Lines and text) while a pod and a container live and die,
 * {@code hako stats}/{@code statsp --no-stream} and the {@code ps} filters, against a real daemon, runc
 * and conmon; each command a separate {@code hako} process.
 */
class CliEventsStatsIT {

    @Test
    void eventsFollowAPodsLifeAndStatsShowItsContainer() throws Exception {
        try (DaemonProcess d = PodFixture.daemonWithImages()) {
            String socket = d.socket().toString();
            Path jsonLog = d.dir().resolve("events-json.log");
            Path textLog = d.dir().resolve("events-text.log");
            Process json = HakoCommand.start(jsonLog, "events", "-o", "json", "--socket", socket);
            Process text = HakoCommand.start(textLog, "events", "--socket", socket);
            try {
                awaitFollowing(d, jsonLog, textLog);

                String pod = PodFixture.runPod(d, "evpod");
                String ctr = PodFixture.start(d, pod, PodFixture.container("sleeper", "exec sleep 1000")
                        .putLabels("app", "ev"));

                // stats of the running container: one sample (stdout is a file), memory a number
                HakoCommand.Result stats = hako(d, "stats", "--no-stream");
                assertThat(stats.exitCode()).as(stats.output()).isZero();
                String row = stats.output().lines().filter(l -> l.startsWith(ctr.substring(0, 13))).findFirst()
                        .orElseThrow(() -> new AssertionError("no row for the container in\n" + stats.output()));
                assertThat(row.split("\\s{2,}")).as(row).hasSize(7);
                assertThat(row.split("\\s{2,}")[1]).isEqualTo("sleeper");
                assertThat(row.split("\\s{2,}")[2]).isEqualTo("evpod/default");
                assertThat(row.split("\\s{2,}")[4]).as(row).matches("\\d+(\\.\\d)? (B|KiB|MiB) / \\d+\\.\\d [KMGT]iB");
                HakoCommand.Result statsJson = hako(d, "stats", "--no-stream", "-o", "json", ctr.substring(0, 8));
                assertThat(statsJson.exitCode()).as(statsJson.output()).isZero();
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> sampled = (List<Map<String, Object>>) Json.parseObject(statsJson.output()).get("stats");
                assertThat(sampled).hasSize(1);
                @SuppressWarnings("unchecked")
                Map<String, Object> memory = (Map<String, Object>) sampled.getFirst().get("memory");
                @SuppressWarnings("unchecked")
                Map<String, Object> workingSet = (Map<String, Object>) memory.get("workingSetBytes");
                assertThat(Long.parseLong((String) workingSet.get("value"))).isPositive();
                HakoCommand.Result statsp = hako(d, "statsp", "--no-stream");
                assertThat(statsp.exitCode()).as(statsp.output()).isZero();
                assertThat(statsp.output()).contains(pod.substring(0, 13)).contains("evpod");
                HakoCommand.Result noSuch = hako(d, "stats", "--no-stream", "zzzz");
                assertThat(noSuch.exitCode()).isEqualTo(1);
                assertThat(noSuch.output()).contains("no such container: zzzz");

                // ps filters
                assertThat(hako(d, "ps", "-q", "--pod", "evpod").output().lines().toList()).containsExactly(ctr);
                assertThat(hako(d, "ps", "-q", "--pod", pod.substring(0, 10), "--name", "^sle").output().lines().toList())
                        .containsExactly(ctr);
                assertThat(hako(d, "ps", "-q", "--label", "app=ev").output().lines().toList()).containsExactly(ctr);
                assertThat(hako(d, "ps", "-q", "--label", "app=other").output()).isBlank();
                assertThat(hako(d, "ps", "-q", "--state", "exited").output()).isBlank();
                HakoCommand.Result badState = hako(d, "ps", "--state", "paused");
                assertThat(badState.exitCode()).isEqualTo(2);

                d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(ctr).setTimeout(0).build());
                assertThat(hako(d, "ps", "-q", "--state", "exited").output().lines().toList()).containsExactly(ctr);
                d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(ctr).build());
                d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(pod).build());
                d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod).build());

                // both followers see the pod's life in order
                awaitContains(jsonLog, "\"containerId\":\"" + pod + "\",\"containerEventType\":\"CONTAINER_DELETED_EVENT\"");
                List<String> seen = new ArrayList<>();
                for (String line : Files.readAllLines(jsonLog)) {
                    if (!line.startsWith("{")) {
                        continue;
                    }
                    Map<String, Object> e = Json.parseObject(line);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> status = (Map<String, Object>) e.get("podSandboxStatus");
                    if (pod.equals(status.get("id"))) {
                        String id = (String) e.get("containerId");
                        seen.add((id.equals(pod) ? "pod " : id.equals(ctr) ? "ctr " : id + " ") + e.get("containerEventType"));
                    }
                }
                assertThat(seen).containsExactly("pod CONTAINER_CREATED_EVENT", "pod CONTAINER_STARTED_EVENT",
                        "ctr CONTAINER_CREATED_EVENT", "ctr CONTAINER_STARTED_EVENT", "ctr CONTAINER_STOPPED_EVENT",
                        "ctr CONTAINER_DELETED_EVENT", "pod CONTAINER_STOPPED_EVENT", "pod CONTAINER_DELETED_EVENT");

                awaitContains(textLog, pod.substring(0, 13) + "  sandbox");
                awaitMatching(textLog, " DELETED +" + pod.substring(0, 13) + " +sandbox +evpod +evpod/default");
                List<String> lines = Files.readAllLines(textLog).stream()
                        .filter(l -> l.contains("evpod/default")).map(l -> l.split("\\s+", 2)[1]).toList();
                assertThat(lines).hasSize(8);
                assertThat(lines.get(2).split("\\s+")).containsExactly("CREATED", ctr.substring(0, 13), "container",
                        "sleeper", "evpod/default");
                assertThat(lines.get(5).split("\\s+")).as("a DELETED container keeps its name")
                        .containsExactly("DELETED", ctr.substring(0, 13), "container", "sleeper", "evpod/default");
                assertThat(Files.readAllLines(textLog).getFirst()).startsWith("TIME").contains("EVENT");

                // the daemon going away ends the stream: a message, exit code 1
                text.destroy();
                assertThat(text.waitFor(30, TimeUnit.SECONDS)).as("hako events ends on SIGTERM").isTrue();
                d.stop();
                assertThat(json.waitFor(30, TimeUnit.SECONDS)).as("hako events ends with the daemon").isTrue();
                assertThat(json.exitValue()).as(Files.readString(jsonLog)).isEqualTo(1);
                assertThat(Files.readString(jsonLog)).contains("hako: the daemon ended the event stream");
            } finally {
                json.destroyForcibly();
                text.destroyForcibly();
            }
        }
    }

    /** Until both followers are subscribed: a throwaway pod's events reach both (a new try if not, 5 at most). */
    private static void awaitFollowing(DaemonProcess d, Path jsonLog, Path textLog) throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            String warm = PodFixture.runPod(d, "warm-" + attempt);
            boolean both = seen(jsonLog, warm) && seen(textLog, warm.substring(0, 13));
            d.runtime().stopPodSandbox(StopPodSandboxRequest.newBuilder().setPodSandboxId(warm).build());
            d.runtime().removePodSandbox(RemovePodSandboxRequest.newBuilder().setPodSandboxId(warm).build());
            if (both) {
                return;
            }
        }
        throw new AssertionError("hako events never followed:\n" + Files.readString(jsonLog) + Files.readString(textLog));
    }

    /** Whether {@code text} shows up in the log within 20 s (a JVM starting on a busy machine). */
    private static boolean seen(Path log, String text) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (Files.exists(log) && Files.readString(log).contains(text)) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static void awaitContains(Path log, String text) throws Exception {
        assertThat(seen(log, text)).as(Files.readString(log)).isTrue();
    }

    private static void awaitMatching(Path log, String regex) throws Exception {
        java.util.regex.Pattern p = java.util.regex.Pattern.compile(regex);
        for (int i = 0; i < 200; i++) {
            if (p.matcher(Files.readString(log)).find()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no line matching " + regex + " in\n" + Files.readString(log));
    }

    private static HakoCommand.Result hako(DaemonProcess d, String... args) throws Exception {
        String[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = "--socket";
        all[args.length + 1] = d.socket().toString();
        return HakoCommand.run(d.dir(), all);
    }
}
