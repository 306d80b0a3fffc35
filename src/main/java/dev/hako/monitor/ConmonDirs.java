package dev.hako.monitor;

import java.nio.file.Path;

/**
 * conmon's binary and the state directory Hako shares with it: {@code exits} (conmon's exit files),
 * {@code attach} (its attach-socket links), {@code bundles} (Hako's links to each container's bundle) and
 * {@code exec} (one temp directory per ExecSync).
 */
record ConmonDirs(Path binary, Path state) {
    Path exits() {
        return state.resolve("exits");
    }

    Path attach() {
        return state.resolve("attach");
    }

    Path bundles() {
        return state.resolve("bundles");
    }

    Path execs() {
        return state.resolve("exec");
    }
}
