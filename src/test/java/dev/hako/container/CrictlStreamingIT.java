package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ContainerState;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Interoperability with the Kubernetes client side: cri-tools' {@code crictl} (Go, client-go's SPDY
 * executor and port-forwarder, the same code path the kubelet proxies) against the daemon. crictl is
 * not a Debian package: the test runs when one is found ({@code HAKO_CRICTL}, {@code PATH}, or
 * {@code /work/tools/crictl}) and is skipped, saying so, otherwise.
 */
class CrictlStreamingIT {
    static DaemonProcess d;
    static Path crictl;
    static String pod;

    @BeforeAll
    static void setUp() throws Exception {
        crictl = findCrictl();
        Assumptions.assumeTrue(crictl != null,
                "crictl not found (set HAKO_CRICTL, or build cri-tools' crictl into PATH): skipping the interop test");
        d = PodFixture.daemonWithImages();
        pod = PodFixture.runPod(d, "crictl-streams");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (d != null) {
            d.close();
        }
    }

    static Path findCrictl() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("HAKO_CRICTL");
        if (env != null && !env.isEmpty()) {
            candidates.add(Path.of(env));
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, "crictl"));
            }
        }
        candidates.add(Path.of("/work/tools/crictl"));
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    private static List<String> crictl(String... args) {
        List<String> cmd = new ArrayList<>(List.of(crictl.toString(), "--runtime-endpoint",
                "unix://" + d.socket(), "--image-endpoint", "unix://" + d.socket(), "--timeout", "20s"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private record Result(int code, String out) {}

    private static Result run(String stdin, String... args) throws Exception {
        Process p = new ProcessBuilder(crictl(args)).redirectErrorStream(true).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }

    @Test
    void execWithStdinAndExitCode() throws Exception {
        String id = PodFixture.start(d, pod, PodFixture.container("exec-i", "exec sleep 1000"));
        Result r = run("from-stdin\n", "exec", "-i", id, "sh", "-c", "cat; echo to-stderr >&2; exit 4");
        assertThat(r.out()).contains("from-stdin").contains("to-stderr")
                .contains("command terminated with exit code 4"); // from v4's Status, as kubectl shows it
        assertThat(run(null, "exec", id, "echo", "plain").out()).contains("plain");
        // well past SPDY's initial 64 KiB window: Kubernetes' clients send no window updates
        String big = run(null, "exec", id, "sh", "-c", "i=0; while [ $i -lt 5000 ]; do echo line-$i-of-many-bytes; i=$((i+1)); done").out();
        assertThat(big).contains("line-0-of-many-bytes").contains("line-4999-of-many-bytes");
        assertThat(big.length()).isGreaterThan(100_000);
    }

    @Test
    void execWithATerminal() throws Exception {
        String id = PodFixture.start(d, pod, PodFixture.container("exec-t", "exec sleep 1000"));
        // crictl wants a terminal of its own for -t: give it one through python's pty module
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", """
                import fcntl, os, pty, struct, sys, termios, time
                pid, fd = pty.fork()
                if pid == 0:
                    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 37, 111, 0, 0))
                    os.execv(sys.argv[1], sys.argv[1:])
                time.sleep(1.5)
                os.write(fd, b"stty size; exit 3\\r")
                out = b""
                while True:
                    try:
                        d = os.read(fd, 4096)
                    except OSError:
                        break
                    if not d:
                        break
                    out += d
                _, status = os.waitpid(pid, 0)
                sys.stdout.write(out.decode(errors="replace"))
                sys.stdout.write("\\nEXIT %d\\n" % os.waitstatus_to_exitcode(status))
                """));
        cmd.addAll(crictl("exec", "-it", id, "sh"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        // crictl passes its terminal's size on, and reports a failed command (exiting 1 itself)
        assertThat(out).contains("37 111").contains("command terminated with exit code 3");
    }

    @Test
    void attachSeesOutputAndLeavesTheContainerRunning() throws Exception {
        String id = PodFixture.start(d, pod, PodFixture.container("attached", "while read l; do echo got:$l; done")
                .setStdin(true));
        Process p = new ProcessBuilder(crictl("attach", "-i", id)).redirectErrorStream(true).start();
        p.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().flush();
        StringBuilder seen = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (seen) {
                        seen.append(line).append('\n');
                    }
                }
            } catch (Exception ignored) {
                // crictl killed
            }
        });
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            synchronized (seen) {
                if (seen.toString().contains("got:hello")) {
                    break;
                }
            }
            Thread.sleep(50);
        }
        p.destroy(); // detach
        p.waitFor(10, TimeUnit.SECONDS);
        reader.join(5000);
        assertThat(seen.toString()).contains("got:hello");
        assertThat(PodFixture.status(d, id).getState()).isEqualTo(ContainerState.CONTAINER_RUNNING);
    }

    @Test
    void portForwardCarriesTwentyConcurrentRequests() throws Exception {
        PodFixture.start(d, pod, PodFixture.container("web",
                "mkdir -p /www && echo forwarded-page > /www/index.html && exec httpd -f -p 8080 -h /www"));
        Process p = new ProcessBuilder(crictl("port-forward", pod, ":8080")).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern forwarding = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+)");
            int port = -1;
            String line;
            while (port < 0 && (line = r.readLine()) != null) {
                Matcher m = forwarding.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
            }
            assertThat(port).as("crictl printed its local port").isPositive();
            Thread.ofVirtual().start(() -> {
                try {
                    r.transferTo(java.io.Writer.nullWriter());
                } catch (Exception ignored) {
                    // crictl stopped
                }
            });
            String url = "http://127.0.0.1:" + port + "/";
            try (ExecutorService pool = Executors.newFixedThreadPool(20)) {
                List<Future<String>> gets = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    gets.add(pool.submit((Callable<String>) () -> PodFixture.httpGet(url)));
                }
                for (Future<String> g : gets) {
                    assertThat(g.get(60, TimeUnit.SECONDS)).contains("forwarded-page");
                }
            }
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
