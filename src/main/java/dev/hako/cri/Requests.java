package dev.hako.cri;

import dev.hako.error.HakoException;

/**
 * Request checks several RPCs share: the id or image a call must name, and the kubelet's rules for the
 * streams of an Exec or Attach. Each fails with INVALID_ARGUMENT naming the request field.
 */
final class Requests {
    private Requests() {}

    static String containerId(String id) {
        if (id.isEmpty()) {
            throw HakoException.invalidArgument("container_id", "no container id given");
        }
        return id;
    }

    static String podSandboxId(String id) {
        if (id.isEmpty()) {
            throw HakoException.invalidArgument("pod_sandbox_id", "no pod sandbox id given");
        }
        return id;
    }

    /** The {@code image.image} of an ImageStatus or RemoveImage request. */
    static String image(String ref) {
        if (ref.isEmpty()) {
            throw HakoException.invalidArgument("image.image", "no image given");
        }
        return ref;
    }

    /** The kubelet's own rules: some stream to carry, and no stderr beside a terminal (it has one output). */
    static void streams(boolean tty, boolean stdin, boolean stdout, boolean stderr) {
        if (!stdin && !stdout && !stderr) {
            throw HakoException.invalidArgument("stdin", "one of stdin, stdout and stderr must be set");
        }
        if (tty && stderr) {
            throw HakoException.invalidArgument("stderr", "tty and stderr cannot both be true");
        }
    }
}
