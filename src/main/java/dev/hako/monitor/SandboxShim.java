package dev.hako.monitor;

import dev.hako.config.HandlerConfig;
import dev.hako.error.HakoException;
import dev.hako.json.Json;
import dev.hako.oci.OciRuntime;
import dev.hako.oci.RuntimeMessages;
import dev.hako.sys.PrivateFiles;
import dev.hako.sys.ProcCalls;
import java.time.Duration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * What conmon runs instead of runsc for a container that joins a pod's gVisor sandbox.
 *
 * <p>Two things differ from runc there. conmon supervises the pid that {@code runtime create} writes to
 * the pid file and learns of the exit by reaping it; runsc writes the sandbox's pid, which is no child
 * of this container's conmon. And runsc binds a joining container's stdio at {@code start}, not at
 * {@code create}: started by Hako, its output would go to Hako instead of conmon's log pipes.
 *
 * <p>So for {@code create} the shim runs runsc, then leaves conmon a stand-in child in the pid file —
 * a small shell holding conmon's stdio pipes. It waits on {@code <bundle>/start.fifo}; Hako's
 * {@link #start} writes {@code start} there, the stand-in runs {@code runsc start} with conmon's pipes
 * as the container's stdio (stderr too: it must reach the CRI log), reports runsc's status in
 * {@code start.result} (its error in {@code start.err}, runsc's JSON {@code --log}; runsc prints it on
 * stderr as well, so a failed start also shows in the container's log), lets go of the pipes, {@code runsc wait}s for the container and exits with its
 * status (runsc reports the exit code, or 128 + the killing signal: what conmon records for a real
 * child). Anything else on the fifo ({@link #cancel}) ends it with 137. Every other subcommand is
 * runsc itself.
 *
 * <p>One script per handler, {@code <state>/shims/<handler>}, with the runtime's path and global
 * arguments written in (conmon passes none), rewritten when the handler changes.
 */
final class SandboxShim {
    private SandboxShim() {}

    /** The shim for this handler, written (atomically) if missing or different. */
    static Path forHandler(Path stateDir, HandlerConfig handler) {
        Path file = stateDir.resolve("shims").resolve(handler.name());
        String text = script(handler);
        try {
            if (Files.isRegularFile(file) && Files.readString(file, StandardCharsets.UTF_8).equals(text)) {
                return file;
            }
            PrivateFiles.directory(file.getParent());
            Path temp = file.resolveSibling("." + handler.name() + ".new");
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw HakoException.internal("cannot write the sandbox shim " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts a container created through the shim and returns once runsc has: its stand-in runs
     * {@code runsc start}. FAILED_PRECONDITION when no stand-in waits (its conmon is gone), INTERNAL
     * with runsc's message when the start failed, UNAVAILABLE when nothing is reported in time.
     */
    static void start(String id, Path bundle, Duration timeout) {
        Path result = bundle.resolve("start.result");
        if (!tell(bundle, "start")) {
            throw HakoException.failedPrecondition("container " + id + " cannot be started: its monitor is gone");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(result)) {
            if (System.nanoTime() > deadline) {
                throw new HakoException(HakoException.Kind.UNAVAILABLE, "runsc start " + id + " did not report within "
                        + timeout.toSeconds() + "s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw HakoException.internal("interrupted while starting " + id, e);
            }
        }
        try {
            String rc = Files.readString(result).strip();
            if (!rc.equals("0")) {
                Path err = bundle.resolve("start.err");
                String msg = Files.exists(err) ? errorMessage(Files.readString(err)) : "";
                throw new HakoException(HakoException.Kind.INTERNAL, "runsc start " + id + ": "
                        + (msg.isEmpty() ? "exit status " + rc : msg));
            }
        } catch (IOException e) {
            throw HakoException.internal("cannot read the start result of " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * The error in runsc's {@code --log} file: the {@code msg} of each JSON line
     * ({@code {"msg":"…","level":"error",…}}), joined; other text as {@link RuntimeMessages#clean} makes it.
     */
    static String errorMessage(String log) {
        List<String> msgs = new ArrayList<>();
        for (String line : log.strip().split("\n")) {
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            try {
                if (Json.parseObject(l).get("msg") instanceof String m && !m.isBlank()) {
                    msgs.add(m.strip());
                    continue;
                }
            } catch (IllegalArgumentException notJson) {
                // as written
            }
            return RuntimeMessages.clean(log);
        }
        return String.join("; ", msgs);
    }

    /** Ends the stand-in of a container that was created but never started; nothing waiting is fine. */
    static void cancel(Path bundle) {
        tell(bundle, "cancel");
    }

    /** Writes one line to the stand-in's fifo without ever blocking; false when nobody reads it. */
    private static boolean tell(Path bundle, String word) {
        int fd;
        try {
            fd = ProcCalls.open(bundle.resolve("start.fifo"), ProcCalls.O_WRONLY | ProcCalls.O_NONBLOCK
                    | ProcCalls.O_CLOEXEC);
        } catch (IOException e) {
            return false; // ENXIO: no reader; ENOENT: no fifo
        }
        try {
            ProcCalls.write(fd, (word + "\n").getBytes(StandardCharsets.US_ASCII));
            return true;
        } catch (IOException e) {
            return false;
        } finally {
            ProcCalls.close(fd);
        }
    }

    static String script(HandlerConfig handler) {
        List<String> runtime = new ArrayList<>();
        runtime.add(handler.path().toString());
        runtime.addAll(OciRuntime.globalArgs(handler));
        StringBuilder quoted = new StringBuilder();
        for (String a : runtime) {
            quoted.append(quoted.isEmpty() ? "" : " ").append(quote(a));
        }
        return """
                #!/bin/sh
                # Hako's shim for runtime handler %s (see dev.hako.monitor.SandboxShim): conmon's child for a
                # container inside a pod's gVisor sandbox. Generated; rewritten when the handler changes.
                rt() { %s "$@"; }
                if [ "$1" != create ]; then
                    exec %s "$@"
                fi
                pidfile=''; bundle=''; prev=''
                for a in "$@"; do
                    case $prev in
                        --pid-file) pidfile=$a ;;
                        --bundle|-b) bundle=$a ;;
                    esac
                    prev=$a
                done
                id=$prev
                fifo=$bundle/start.fifo
                rm -f "$fifo" "$bundle/start.result" "$bundle/start.err"
                mkfifo -m 600 "$fifo" || exit 1
                rt "$@" || exit $?
                [ -n "$pidfile" ] || exit 0
                # a background job's stdin is /dev/null: keep conmon's stdin pipe for the container on fd 3
                exec 3<&0
                (
                    exec 0<&3 3<&-
                    read -r go < "$fifo"
                    [ "$go" = start ] || exit 137
                    # the container gets runsc start's own stdio, so stderr stays conmon's pipe; runsc's
                    # error (if any) is also written, as JSON, to the --log file Hako reads
                    rt --log "$bundle/start.err" start "$id"
                    rc=$?
                    echo $rc > "$bundle/start.result.new" && mv -f "$bundle/start.result.new" "$bundle/start.result"
                    exec </dev/null >/dev/null 2>&1
                    [ $rc -eq 0 ] || exit 255
                    out=$(rt wait "$id") || exit 255
                    st=${out##*'"exitStatus":'}
                    st=${st%%%%[!0-9]*}
                    [ -n "$st" ] || exit 255
                    exit $((st & 255))
                ) &
                exec 3<&-
                echo $! > "$pidfile.shim" && mv -f "$pidfile.shim" "$pidfile"
                """.formatted(handler.name(), quoted, quoted);
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
