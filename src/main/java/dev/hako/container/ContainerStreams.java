package dev.hako.container;

import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.log.Log;
import dev.hako.monitor.ContainerRuntime;
import dev.hako.oci.ExecProcess;
import dev.hako.pod.Pod;
import dev.hako.pod.PodService;
import dev.hako.stream.SessionIo;
import dev.hako.stream.StreamBackend;
import dev.hako.stream.TerminalSize;
import dev.hako.sys.FdStreams;
import dev.hako.sys.NetnsDialer;
import dev.hako.sys.PrivateFiles;
import dev.hako.sys.ProcCalls;
import dev.hako.sys.Terminals;
import dev.hako.sys.SeqpacketSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The streaming server's backend: interactive exec, attach and port forwarding for running
 * containers and pods.
 *
 * <p><b>Exec</b> runs the runtime's {@code exec} in the foreground, as the daemon's child: on pipes,
 * or on the slave of a pty Hako opened when a terminal is asked for (the runtime makes the container's
 * terminal and copies between the two; a resize is set on the master and announced to the runtime with
 * SIGWINCH). The runtime exits with the process's status. When the client goes away, the process itself
 * is killed (by its host pid for runc, by its sandbox pid for runsc) and then the runtime.
 *
 * <p><b>Attach</b> connects to conmon's attach socket ({@code <bundle>/attach}, SOCK_SEQPACKET):
 * every packet from conmon starts with the stream it came from (2 stdout, 3 stderr); what the client
 * types goes to the container's stdin as is; a resize is a line {@code 1 <rows> <columns>} on conmon's
 * {@code ctl} fifo. Detaching leaves the container running.
 *
 * <p><b>Port forward</b> dials localhost:port inside the pod's network namespace.
 */
public final class ContainerStreams implements StreamBackend {
    private static final Log LOG = Log.of("stream");
    private static final int ATTACH_PACKET = 8192 + 1;
    private static final int SIGWINCH = 28;
    private static final Duration DIAL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration DRAIN = Duration.ofSeconds(2);

    private final ContainerService containers;
    private final PodService pods;
    private final Path execDir;

    public ContainerStreams(ContainerService containers, PodService pods, Path stateDir) {
        this.containers = containers;
        this.pods = pods;
        this.execDir = stateDir.resolve("exec");
    }

    /** The container, which must be running. */
    public Container running(String id) {
        Container c = containers.get(id);
        if (c.state() != Container.State.RUNNING) {
            throw HakoException.failedPrecondition("container " + c.id() + " is " + c.state().name().toLowerCase()
                    + ", not running");
        }
        return c;
    }

    // ---- exec ----------------------------------------------------------------------------------

    @Override
    public int exec(String containerId, List<String> cmd, SessionIo io) throws Exception {
        Container c = running(containerId);
        ContainerRuntime runtime = containers.runtime(c.handler());
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) Json.parse(new String(containers.spec(c), StandardCharsets.UTF_8));
        Map<String, Object> process = ExecProcess.of(spec, cmd, io.tty());
        PrivateFiles.directory(execDir);
        Path dir = Files.createTempDirectory(execDir, c.id().substring(0, 12) + "-"); // 0700
        Path processJson = dir.resolve("process.json");
        Path pidFile = dir.resolve("pid");
        Path innerPidFile = dir.resolve("pid.sandbox");
        PrivateFiles.writeString(processJson, Json.write(process)); // the environment: Secrets
        Terminal pty = io.tty() ? Terminal.open() : null;
        List<Thread> pumps = new ArrayList<>();
        Process p = null;
        try {
            List<String> command = runtime.execCommand(c.id(), processJson, pidFile, innerPidFile);
            ProcessBuilder pb;
            if (pty != null) {
                // one read-write descriptor of the slave on 0, 1 and 2, as a terminal's owner has it (runsc hands
                // its stdin to the sandbox as the terminal); Java can only open redirects one way each, so sh does
                // it and then becomes the runtime (same pid, for SIGWINCH)
                List<String> viaShell = new ArrayList<>(List.of("/bin/sh", "-c", "exec \"$@\" 0<>\"$0\" 1>&0 2>&0",
                        pty.slave().toString()));
                viaShell.addAll(command);
                pb = new ProcessBuilder(viaShell).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
            } else {
                pb = new ProcessBuilder(command);
                pb.redirectInput(io.stdin() != null ? ProcessBuilder.Redirect.PIPE
                        : ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
                if (io.stdout() == null) {
                    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
                }
                if (io.stderr() == null) {
                    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
                }
            }
            p = pb.start();
            Process started = p;
            if (pty != null) {
                pumps.add(pump("exec-out", pty.in(), io.stdout(), false));
                if (io.stdin() != null) {
                    pumps.add(pump("exec-in", io.stdin(), pty.out(), false));
                }
                pumps.add(Thread.ofVirtual().name("exec-resize").start(() -> resizeLoop(io, pty.master(), started)));
            } else {
                if (io.stdin() != null) {
                    pumps.add(pump("exec-in", io.stdin(), p.getOutputStream(), true));
                }
                if (io.stdout() != null) {
                    pumps.add(pump("exec-out", p.getInputStream(), io.stdout(), false));
                }
                if (io.stderr() != null) {
                    pumps.add(pump("exec-err", p.getErrorStream(), io.stderr(), false));
                }
            }
            int code;
            try {
                code = p.waitFor();
            } catch (InterruptedException e) {
                killExec(runtime, c.id(), pidFile, innerPidFile, p);
                throw e;
            }
            // the output pumps end at EOF; give them a moment to pass on the last bytes
            long deadline = System.nanoTime() + DRAIN.toNanos();
            for (Thread t : pumps) {
                if (t.getName().equals("exec-out") || t.getName().equals("exec-err")) {
                    t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                }
            }
            return code;
        } finally {
            for (Thread t : pumps) {
                t.interrupt();
            }
            if (p != null && p.isAlive()) {
                p.destroyForcibly();
            }
            if (pty != null) {
                pty.close();
            }
            ContainerBundles.deleteTree(dir);
        }
    }

    private void resizeLoop(SessionIo io, int master, Process runtime) {
        try {
            TerminalSize size;
            while ((size = io.nextResize()) != null) {
                Terminals.resize(master, size.height(), size.width());
                ProcCalls.kill((int) runtime.pid(), SIGWINCH);
            }
        } catch (InterruptedException e) {
            // the session ended
        } catch (IOException e) {
            LOG.debug("terminal resize failed", "error", e.getMessage());
        }
    }

    /**
     * A pseudo-terminal for an exec: the master through two streams (which own its descriptor and close
     * it with the second of them), the slave as the path the runtime gets as its stdio — Java hands a
     * child files only by name. The runtime makes the container's own terminal and copies between the
     * two; on SIGWINCH it copies the slave's size across, so a resize is set on the master and announced.
     */
    private record Terminal(int master, Path slave, InputStream in, OutputStream out) {
        static Terminal open() throws IOException {
            int master = Terminals.openMaster();
            Path slave;
            try {
                slave = Path.of(Terminals.slaveName(master));
            } catch (IOException | RuntimeException e) {
                ProcCalls.close(master);
                throw e;
            }
            return new Terminal(master, slave, FdStreams.input(master), FdStreams.output(master));
        }

        void close() {
            for (java.io.Closeable c : new java.io.Closeable[] {in, out}) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // closing a pty master does not fail in a way that matters here
                }
            }
        }
    }

    /** The exec'd process first (the runtime would only forward what it can), then the runtime. */
    private static void killExec(ContainerRuntime runtime, String id, Path pidFile, Path innerPidFile, Process p) {
        try {
            runtime.killExec(id, pidFile, innerPidFile);
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot kill the exec'd process", "container", id, "error", e.getMessage());
        }
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread pump(String name, InputStream in, OutputStream out, boolean closeOutAtEnd) {
        return Thread.ofVirtual().name(name).start(() -> {
            byte[] buf = new byte[32 * 1024];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (n > 0 && out != null) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // one side closed: the session is ending
            } finally {
                if (closeOutAtEnd) {
                    try {
                        out.close();
                    } catch (IOException ignored) {
                        // already closed
                    }
                }
            }
        });
    }

    // ---- attach --------------------------------------------------------------------------------

    @Override
    public void attach(String containerId, SessionIo io) throws Exception {
        Container c = running(containerId);
        Path bundle = c.bundle();
        boolean tty = c.config().getTty();
        boolean stdinOnce = c.config().getStdinOnce();
        try (SeqpacketSocket socket = SeqpacketSocket.connect(bundle.resolve("attach"))) {
            Thread input = null;
            Thread resize = null;
            if (io.stdin() != null && c.config().getStdin()) {
                input = Thread.ofVirtual().name("attach-in").start(() -> {
                    byte[] buf = new byte[ATTACH_PACKET - 1];
                    try {
                        int n;
                        while ((n = io.stdin().read(buf)) >= 0) {
                            if (n > 0) {
                                socket.write(buf, 0, n);
                            }
                        }
                        if (stdinOnce) {
                            socket.shutdownOutput(); // conmon closes the container's stdin
                        }
                    } catch (IOException e) {
                        // the socket or the client went away
                    }
                });
            }
            if (tty) {
                resize = Thread.ofVirtual().name("attach-resize").start(() -> attachResizeLoop(io, bundle.resolve("ctl")));
            }
            try {
                byte[] packet = new byte[ATTACH_PACKET];
                while (!Thread.currentThread().isInterrupted()) {
                    int n = socket.read(packet, 500);
                    if (n < 0) {
                        break; // conmon closed: the container exited
                    }
                    if (n <= 1) {
                        continue;
                    }
                    OutputStream out = packet[0] == 3 && !tty ? io.stderr() : io.stdout();
                    if (out != null) {
                        out.write(packet, 1, n - 1);
                        out.flush();
                    }
                }
            } finally {
                if (input != null) {
                    input.interrupt();
                }
                if (resize != null) {
                    resize.interrupt();
                }
            }
        }
    }

    private static void attachResizeLoop(SessionIo io, Path ctl) {
        try {
            TerminalSize size;
            while ((size = io.nextResize()) != null) {
                int fd = ProcCalls.open(ctl, ProcCalls.O_WRONLY | ProcCalls.O_NONBLOCK);
                try {
                    ProcCalls.write(fd, ("1 " + size.height() + " " + size.width() + "\n").getBytes(StandardCharsets.US_ASCII));
                } finally {
                    ProcCalls.close(fd);
                }
            }
        } catch (InterruptedException e) {
            // detached
        } catch (IOException e) {
            LOG.debug("attach resize failed", "ctl", ctl, "error", e.getMessage());
        }
    }

    // ---- port forward --------------------------------------------------------------------------

    @Override
    public SocketChannel portForward(String podId, int port) throws IOException {
        Pod pod = pods.get(podId);
        if (pod.state() != Pod.State.READY) {
            throw new IOException("pod sandbox " + pod.id() + " is not ready");
        }
        return NetnsDialer.connect(pod.context().netns(), port, DIAL_TIMEOUT);
    }
}
