package dev.hako.sys;

import static dev.hako.testing.Modes.permissions;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.testing.TempDirs;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** 0700 directories and 0600 files, new or left by an older Hako with wider modes; symlinks are refused. */
class PrivateFilesTest {
    private Path tmp;

    @BeforeEach
    void setUp() throws Exception {
        tmp = TempDirs.create("hako-private-");
    }

    @AfterEach
    void tearDown() {
        TempDirs.delete(tmp);
    }

    @Test
    void newAndExistingDirectoriesEndUp0700() throws Exception {
        assertThat(permissions(PrivateFiles.directory(tmp.resolve("a/b")))).isEqualTo("rwx------");
        Path old = Files.createDirectory(tmp.resolve("old"));
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(permissions(PrivateFiles.directory(old))).isEqualTo("rwx------");
        assertThat(permissions(PrivateFiles.createDirectory(tmp.resolve("fresh")))).isEqualTo("rwx------");
        assertThatThrownBy(() -> PrivateFiles.createDirectory(tmp.resolve("fresh")))
                .isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void filesAre0600AndAnExistingOneIsTightenedBeforeItGetsTheNewContent() throws Exception {
        Path f = tmp.resolve("config.json");
        PrivateFiles.writeString(f, "one");
        assertThat(permissions(f)).isEqualTo("rw-------");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-rw-"));
        PrivateFiles.writeString(f, "two");
        assertThat(permissions(f)).isEqualTo("rw-------");
        assertThat(Files.readString(f)).isEqualTo("two");
    }

    @Test
    void symlinksAreNeitherFollowedNorChanged() throws Exception {
        Path target = Files.createDirectory(tmp.resolve("target"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        assertThatThrownBy(() -> PrivateFiles.directory(link)).isInstanceOf(FileAlreadyExistsException.class);
        Path fileLink = Files.createSymbolicLink(tmp.resolve("file-link"), tmp.resolve("elsewhere"));
        assertThatThrownBy(() -> PrivateFiles.writeString(fileLink, "x")).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(tmp.resolve("elsewhere")).doesNotExist();
        assertThat(permissions(target)).isEqualTo("rwxr-xr-x");
    }
}
