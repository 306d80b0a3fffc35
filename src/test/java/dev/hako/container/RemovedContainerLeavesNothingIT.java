package dev.hako.container;

import static dev.hako.testing.PodFixture.container;
import static dev.hako.testing.PodFixture.runPod;
import static dev.hako.testing.PodFixture.start;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ExecSyncRequest;
import dev.hako.cri.v1.RemoveContainerRequest;
import dev.hako.cri.v1.StopContainerRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.PodFixture;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, item 6: RemoveContainer leaves nothing behind that names the container — no exit file,
 * no bundle or attach link in the state directory, no bundle or writable layer.
 */
class RemovedContainerLeavesNothingIT {

    @Test
    void removeLeavesNoFileOrLinkNamingTheContainer() throws Exception {
        try (DaemonProcess d = PodFixture.daemonWithImages()) {
            Path state = d.dir().resolve("run");
            String pod = runPod(d, "gone");
            String id = start(d, pod, container("app", "sleep 1000").setStdin(true));
            d.runtime().execSync(ExecSyncRequest.newBuilder().setContainerId(id).addCmd("true").setTimeout(10).build());
            d.runtime().stopContainer(StopContainerRequest.newBuilder().setContainerId(id).setTimeout(0).build());
            assertThat(naming(state, id)).as("what names the container before removal").isNotEmpty();

            d.runtime().removeContainer(RemoveContainerRequest.newBuilder().setContainerId(id).build());

            assertThat(naming(state, id)).as("under the state directory").isEmpty();
            assertThat(naming(d.root(), id)).as("under the root directory").isEmpty();
        }
    }

    /** Paths below {@code top} whose name, or whose symlink target, holds {@code id} (symlinks not followed). */
    private static List<String> naming(Path top, String id) throws IOException {
        List<String> out = new ArrayList<>();
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (dir.getFileName().toString().contains(id)) {
                    out.add(dir.toString());
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (file.getFileName().toString().contains(id)) {
                    out.add(file.toString());
                } else if (attrs.isSymbolicLink() && Files.readSymbolicLink(file).toString().contains(id)) {
                    out.add(file + " -> " + Files.readSymbolicLink(file));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }
}
