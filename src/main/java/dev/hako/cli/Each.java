package dev.hako.cli;

import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.util.List;

/**
 * Runs a command on each of several IDs, as crictl's multi-ID commands do: a failure is reported
 * (naming the ID and what failed) and the others still run; the command then exits 1.
 */
final class Each {
    private Each() {}

    interface Action {
        void run(String id);
    }

    /** Whether {@code action} succeeded for every one of {@code ids}; failures are written to {@code err}. */
    static boolean of(List<String> ids, PrintStream err, String doing, Action action) {
        boolean ok = true;
        for (String id : ids) {
            try {
                action.run(id);
            } catch (Ids.UnknownIdException e) {
                err.println("hako: " + e.getMessage());
                ok = false;
            } catch (StatusRuntimeException e) {
                err.println("hako: " + doing + " " + id + ": " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
                ok = false;
            } catch (IllegalArgumentException | IllegalStateException e) {
                err.println("hako: " + doing + " " + id + ": " + e.getMessage());
                ok = false;
            }
        }
        return ok;
    }
}
