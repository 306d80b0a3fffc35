package dev.hako.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conmon's exit files: where they are found and what they say. */
class ExitFilesTest {
    @TempDir
    Path state;

    private ConmonDirs dirs() {
        return new ConmonDirs(Path.of("/usr/bin/conmon"), state);
    }

    @Test
    void theExitDirectorysFileGivesCodeAndTime() throws Exception {
        ConmonDirs dirs = dirs();
        Files.createDirectories(dirs.exits());
        Path file = Files.writeString(dirs.exits().resolve("c1"), "137\n");
        Instant at = Instant.parse("2024-05-01T10:00:00Z");
        Files.setLastModifiedTime(file, FileTime.from(at));

        assertThat(new ExitFiles(dirs, new ContainerLinks(dirs)).exit("c1"))
                .contains(new Conmon.Exit(137, at, false));
    }

    @Test
    void theBundlesExitAndOomFilesCountThroughTheBundleLink() throws Exception {
        ConmonDirs dirs = dirs();
        Files.createDirectories(dirs.bundles());
        Path bundle = Files.createDirectories(state.resolve("containers/c2"));
        ContainerLinks links = new ContainerLinks(dirs);
        links.link("c2", bundle);
        Files.writeString(bundle.resolve("exit"), "1");
        Files.writeString(bundle.resolve("oom"), "");

        assertThat(new ExitFiles(dirs, links).exit("c2")).get()
                .satisfies(e -> assertThat(e.code()).isEqualTo(1))
                .satisfies(e -> assertThat(e.oomKilled()).isTrue());
    }

    @Test
    void noFileIsNoExitAndGarbageIsMinusOne() throws Exception {
        ConmonDirs dirs = dirs();
        ExitFiles exits = new ExitFiles(dirs, new ContainerLinks(dirs));
        assertThat(exits.exit("nothing")).isEmpty();
        assertThat(exits.exit("nothing", state.resolve("no-bundle"))).isEmpty();
        Path bundle = Files.createDirectories(state.resolve("b"));
        Files.writeString(bundle.resolve("exit"), "not a number");
        assertThat(exits.exit("c3", bundle)).get().extracting(Conmon.Exit::code).isEqualTo(-1);
        assertThat(ExitFiles.code("0")).isZero();
        assertThat(ExitFiles.code("")).isEqualTo(-1);
    }

    @Test
    void linksAreReplacedAndReadBack() throws Exception {
        ConmonDirs dirs = dirs();
        Files.createDirectories(dirs.bundles());
        ContainerLinks links = new ContainerLinks(dirs);
        assertThat(links.bundleOf("c4")).isNull();
        links.link("c4", state.resolve("old"));
        links.link("c4", state.resolve("new"));
        assertThat(links.bundleOf("c4")).isEqualTo(state.resolve("new"));
        links.forget("c4");
        assertThat(links.bundleOf("c4")).isNull();
    }
}
