package dev.hako.spec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.testing.TempDirs;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The image's /etc/passwd and /etc/group are the image author's: a file of many GiB (sparse, so it
 * costs the test nothing) or with megabyte-long lines must neither exhaust the heap nor stop the
 * lookups that a real file would answer.
 */
class RootfsUsersTest {
    private Path rootfs;

    @BeforeEach
    void setUp() throws IOException {
        rootfs = Files.createTempDirectory(Path.of("/tmp"), "hako-rootfs-users-");
        Files.createDirectories(rootfs.resolve("etc"));
    }

    @AfterEach
    void tearDown() throws IOException {
        dev.hako.sys.FileTrees.delete(rootfs);
    }

    @Test
    void hugeSparseFilesAreReadOnlyAsFarAsTheCap() throws IOException {
        sparse("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n", 8L << 30);
        sparse("etc/group", "root:x:0:\napp:x:1001:\nwheel:x:10:app,other\nstaff:x:50:app\n", 8L << 30);
        RootfsUsers db = RootfsUsers.read(rootfs);
        assertThat(db.byName("app")).isEqualTo(new RootfsUsers.User("app", 1000, 1001));
        assertThat(db.byUid(0)).isEqualTo(new RootfsUsers.User("root", 0, 0));
        assertThat(db.byUid(4242)).isNull(); // a full scan, stopped by the cap rather than at 8 GiB
        assertThat(db.groupByName("wheel").gid()).isEqualTo(10);
        assertThat(db.memberships("app")).containsExactly(10, 50);
    }

    @Test
    void overlongLinesAreSkippedAndEntriesBeyondTheCapAreNotSeen() throws IOException {
        StringBuilder text = new StringBuilder("root:x:0:0::/:/bin/sh\n");
        text.append("x".repeat(RootfsUsers.MAX_LINE_BYTES + 1)).append(":x:7:7::/:/bin/sh\n"); // one 64 KiB+ line
        text.append("after:x:1000:1000::/:/bin/sh\n");
        while (text.length() < RootfsUsers.MAX_FILE_BYTES) {
            text.append("filler").append(text.length()).append(":x:2000:2000::/:/bin/sh\n");
        }
        text.append("beyond:x:3000:3000::/:/bin/sh\n");
        Files.writeString(rootfs.resolve("etc/passwd"), text, StandardCharsets.UTF_8);
        RootfsUsers db = RootfsUsers.read(rootfs);
        assertThat(db.byName("after")).isEqualTo(new RootfsUsers.User("after", 1000, 1000));
        assertThat(db.byUid(7)).isNull();
        assertThat(db.byName("beyond")).isNull();
    }

    @Test
    void aLastLineWithoutNewlineStillCounts() throws IOException {
        Files.writeString(rootfs.resolve("etc/passwd"), "root:x:0:0::/:/bin/sh\nlast:x:5:6::/:/bin/sh");
        assertThat(RootfsUsers.read(rootfs).byName("last")).isEqualTo(new RootfsUsers.User("last", 5, 6));
    }

    @Test
    void aFifoIsNotOpened() throws Exception {
        Process mkfifo = new ProcessBuilder("mkfifo", rootfs.resolve("etc/passwd").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        assertThat(RootfsUsers.read(rootfs).byName("root")).isNull(); // would block forever if opened
    }

    private void sparse(String name, String head, long length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(rootfs.resolve(name).toFile(), "rw")) {
            f.write(head.getBytes(StandardCharsets.UTF_8));
            f.setLength(length);
        }
    }

    @Test
    void rootfsPathsNeverLeaveTheRoot() throws Exception {
        Path dir = TempDirs.create("hako-rootfs-");
        try {
            Path root = Files.createDirectories(dir.resolve("root"));
            Files.createDirectories(root.resolve("etc"));
            Files.createSymbolicLink(root.resolve("etc/up"), Path.of("../../../../.."));
            Files.createSymbolicLink(root.resolve("etc/abs"), Path.of("/etc"));
            Files.createSymbolicLink(root.resolve("etc/loop"), Path.of("loop"));
            assertThat(RootfsUsers.resolveInRoot(root, "/etc/up/etc/passwd")).isEqualTo(root.resolve("etc/passwd"));
            assertThat(RootfsUsers.resolveInRoot(root, "/etc/abs/passwd")).isEqualTo(root.resolve("etc/passwd"));
            assertThat(RootfsUsers.resolveInRoot(root, "/../../etc/group")).isEqualTo(root.resolve("etc/group"));
            assertThat(RootfsUsers.resolveInRoot(root, "/etc/loop/x")).isNull();
        } finally {
            TempDirs.delete(dir);
        }
    }
}
