package dev.hako.stream;

import java.util.List;

/** What a token stands for: the CRI request that produced the URL, so the URL's query cannot widen it. */
sealed interface StreamRequest {
    String kind();

    /** Which streams a remotecommand session uses. stderr is dropped with tty: a terminal has one output. */
    record Options(boolean tty, boolean stdin, boolean stdout, boolean stderr) {
        public Options {
            stderr = stderr && !tty;
        }
    }

    record Exec(String containerId, List<String> cmd, Options options) implements StreamRequest {
        public String kind() {
            return "exec";
        }
    }

    record Attach(String containerId, Options options) implements StreamRequest {
        public String kind() {
            return "attach";
        }
    }

    record PortForward(String podId, List<Integer> ports) implements StreamRequest {
        public String kind() {
            return "portforward";
        }
    }
}
