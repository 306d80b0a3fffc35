package dev.hako.container;

import dev.hako.cri.v1.ContainerConfig;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A container as Hako tracks it. Immutable: every change of state is a new record, stored before
 * anyone can see it.
 *
 * @param imageName the image as the kubelet named it; {@code imageId} the image's ID
 * @param bundle    the OCI bundle directory ({@code <state>/containers/<id>}), holding config.json
 * @param logPath   where conmon writes the CRI log (under the pod's log directory)
 */
public record Container(String id, String podId, ContainerConfig config, String imageName, String imageId,
                        String imageRef, State state, Instant createdAt, Instant startedAt, Instant finishedAt,
                        Integer exitCode, String reason, String message, int pid, Path bundle, Path logPath,
                        String handler) {

    public enum State { CREATED, RUNNING, EXITED, UNKNOWN }

    public String name() {
        return config.getMetadata().getName();
    }

    Container with(State s, Instant started, Instant finished, Integer exit, String why, String text, int newPid) {
        return new Container(id, podId, config, imageName, imageId, imageRef, s, createdAt, started, finished, exit, why,
                text, newPid, bundle, logPath, handler);
    }

    Container exited(int code, Instant at, String why, String text) {
        return with(State.EXITED, startedAt, at, code, why, text, pid);
    }
}
