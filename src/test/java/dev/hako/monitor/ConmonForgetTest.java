package dev.hako.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConmonForgetTest {
    @TempDir
    Path state;

    @Test
    void forgetRemovesTheContainersLinksAndFilesOnly() throws Exception {
        String id = "a".repeat(64);
        String other = "b".repeat(64);
        Path bundle = Files.createDirectories(state.resolve("containers").resolve(id));
        Path otherBundle = Files.createDirectories(state.resolve("containers").resolve(other));
        Path attach = Files.createDirectories(state.resolve("attach"));
        Files.createDirectories(state.resolve("exits"));
        Files.createDirectories(state.resolve("bundles"));
        Files.writeString(state.resolve("exits").resolve(id), "0");
        Files.createSymbolicLink(state.resolve("bundles").resolve(id), bundle);
        Files.createSymbolicLink(attach.resolve(id), bundle);
        // conmon shortens the link's name when the socket path would be too long for a socket address
        Files.createSymbolicLink(attach.resolve(id.substring(0, 63)), bundle);
        Files.createSymbolicLink(attach.resolve(other.substring(0, 63)), otherBundle);

        new Conmon(Path.of("/usr/bin/conmon"), state).forget(id);

        assertThat(state.resolve("exits").resolve(id)).doesNotExist();
        assertThat(Files.exists(state.resolve("bundles").resolve(id), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.exists(attach.resolve(id), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.exists(attach.resolve(id.substring(0, 63)), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.isSymbolicLink(attach.resolve(other.substring(0, 63)))).as("another container's link").isTrue();
        assertThat(bundle).isDirectory();
    }
}
