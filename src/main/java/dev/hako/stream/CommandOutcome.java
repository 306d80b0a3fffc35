package dev.hako.stream;

import dev.hako.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an exec or attach ended, and its report on the error stream: a metav1.Status JSON for v4 and later,
 * a bare message (nothing on success) for the older protocols — the texts match the kubelet's and containerd's.
 */
record CommandOutcome(Integer exitCode, String error) {
    static CommandOutcome exited(int code) {
        return new CommandOutcome(code, null);
    }

    static CommandOutcome failed(String message) {
        return new CommandOutcome(null, message);
    }

    boolean success() {
        return error == null && (exitCode == null || exitCode == 0);
    }

    private String failureMessage(List<String> cmd) {
        if (error != null) {
            return "Internal error occurred: " + error;
        }
        return "command terminated with non-zero exit code: error executing command " + goList(cmd) + ", exit code " + exitCode;
    }

    /** null on success: the old protocols say nothing then. */
    String legacyMessage(List<String> cmd) {
        return success() ? null : failureMessage(cmd);
    }

    String statusJson(List<String> cmd) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("metadata", Map.of());
        if (success()) {
            status.put("status", "Success");
            return Json.write(status);
        }
        status.put("status", "Failure");
        status.put("message", failureMessage(cmd));
        if (error != null) {
            status.put("reason", "InternalError");
            status.put("details", Map.of("causes", List.of(Map.of("message", error))));
            status.put("code", 500);
        } else {
            status.put("reason", "NonZeroExitCode");
            Map<String, Object> cause = new LinkedHashMap<>();
            cause.put("reason", "ExitCode");
            cause.put("message", String.valueOf(exitCode));
            status.put("details", Map.of("causes", List.of(cause)));
        }
        return Json.write(status);
    }

    /** Go's %v of a []string: [a b c]. */
    private static String goList(List<String> cmd) {
        return "[" + String.join(" ", cmd == null ? List.of() : cmd) + "]";
    }
}
