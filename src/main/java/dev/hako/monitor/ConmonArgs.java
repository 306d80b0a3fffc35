package dev.hako.monitor;

import dev.hako.config.HandlerConfig;
import dev.hako.log.Log;
import dev.hako.oci.OciRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** conmon 2.1.6's command lines, as CRI-O writes them: one for a container's create, one for an ExecSync. */
final class ConmonArgs {
    private ConmonArgs() {}

    /**
     * A container's create, {@code bundle} absolute. A container that joins its pod's sandbox runs under
     * {@code shim} (see {@link SandboxShim}) instead of the runtime, with no runtime arguments.
     */
    static List<String> create(ConmonDirs dirs, Conmon.CreateRequest r, Path bundle, Path shim) {
        List<String> argv = new ArrayList<>();
        argv.add("-b");
        argv.add(bundle.toString());
        argv.add("-c");
        argv.add(r.id());
        argv.add("--exit-dir");
        argv.add(dirs.exits().toAbsolutePath().toString());
        argv.add("-l");
        Path logPath = r.logPath() != null ? r.logPath() : bundle.resolve("ctr.log");
        argv.add(logPath.toAbsolutePath().toString());
        argv.add("--log-level");
        argv.add(logLevel());
        argv.add("-n");
        argv.add(r.name() == null || r.name().isEmpty() ? r.id() : r.name());
        argv.add("-P");
        argv.add(bundle.resolve("conmon.pid").toString());
        argv.add("-p");
        argv.add(bundle.resolve("pidfile").toString());
        argv.add("--persist-dir");
        argv.add(bundle.toString());
        argv.add("-r");
        if (r.joinsSandbox()) {
            argv.add(shim.toString());
        } else {
            argv.add(r.handler().path().toString());
            addRuntimeArgs(argv, r.handler());
        }
        argv.add("--socket-dir-path");
        argv.add(dirs.attach().toAbsolutePath().toString());
        argv.add("--syslog");
        argv.add("-u");
        argv.add(r.id());
        if (r.systemdCgroup()) {
            argv.add("-s");
        }
        if (r.tty()) {
            argv.add("-t");
        } else if (r.stdin()) {
            if (!r.stdinOnce()) {
                argv.add("--leave-stdin-open");
            }
            argv.add("-i");
        }
        return argv;
    }

    /**
     * One ExecSync ({@code --exec --sync}) of the process in {@code files}, run by {@code runtime} with the
     * handler's global arguments; {@code timeoutSeconds} 0 for none.
     */
    static List<String> exec(ConmonDirs dirs, String id, HandlerConfig handler, Path runtime, ExecSyncRun.ExecDir files,
                             boolean terminal, long timeoutSeconds) {
        List<String> argv = new ArrayList<>();
        argv.add("-c");
        argv.add(id);
        argv.add("-n");
        argv.add(id);
        argv.add("-r");
        argv.add(runtime.toString());
        argv.add("-p");
        argv.add(files.pidFile().toString());
        argv.add("-e");
        argv.add("-l");
        argv.add(files.log().toString());
        argv.add("--socket-dir-path");
        argv.add(dirs.attach().toAbsolutePath().toString());
        argv.add("--log-level");
        argv.add(logLevel());
        argv.add("--sync");
        // room for both capped streams plus the per-line timestamps; conmon stops logging beyond it
        argv.add("--log-global-size-max");
        argv.add(Long.toString(4L * ExecSyncRun.MAX_OUTPUT));
        if (terminal) {
            argv.add("-t");
        }
        if (timeoutSeconds > 0) {
            // Hako kills the command at its timeout, while its process tree can still be told apart;
            // conmon's own timer is only the safety net should Hako fail to
            argv.add("-T");
            argv.add(Long.toString(timeoutSeconds + ExecSyncRun.GRACE.toSeconds()));
        }
        argv.add("--exec-process-spec");
        argv.add(files.spec().toString());
        addRuntimeArgs(argv, handler);
        return argv;
    }

    private static void addRuntimeArgs(List<String> argv, HandlerConfig handler) {
        for (String a : OciRuntime.globalArgs(handler)) {
            argv.add("--runtime-arg");
            argv.add(a);
        }
    }

    /** conmon logs at Hako's level. */
    private static String logLevel() {
        return Log.level().label();
    }
}
