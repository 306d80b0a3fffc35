package dev.hako.stream;

import dev.hako.log.Log;
import java.util.List;
import java.util.function.Consumer;

/** Runs an exec or attach on a virtual thread and hands its outcome to the protocol for reporting. */
final class CommandRunner {
    private static final Log LOG = Log.of("stream");

    private CommandRunner() {}

    static List<String> command(StreamRequest request) {
        return request instanceof StreamRequest.Exec e ? e.cmd() : List.of();
    }

    static void start(StreamBackend backend, StreamRequest request, RemoteCommandSession io, Consumer<CommandOutcome> report) {
        Thread t = Thread.ofVirtual().name("stream-" + request.kind()).unstarted(() -> {
            CommandOutcome outcome;
            try {
                outcome = switch (request) {
                    case StreamRequest.Exec e -> CommandOutcome.exited(backend.exec(e.containerId(), e.cmd(), io));
                    case StreamRequest.Attach a -> {
                        backend.attach(a.containerId(), io);
                        yield CommandOutcome.exited(0);
                    }
                    case StreamRequest.PortForward p -> throw new IllegalStateException("not a remotecommand request");
                };
            } catch (InterruptedException e) {
                LOG.debug("session interrupted", "kind", request.kind());
                outcome = CommandOutcome.failed("session interrupted");
            } catch (Exception e) {
                String what = request instanceof StreamRequest.Exec ? "error executing command in container: " : "error attaching to container: ";
                LOG.info("session failed", "kind", request.kind(), "error", String.valueOf(e.getMessage()));
                outcome = CommandOutcome.failed(what + e.getMessage());
            } finally {
                io.end();
            }
            report.accept(outcome);
        });
        io.runOn(t);
        t.start();
    }
}
