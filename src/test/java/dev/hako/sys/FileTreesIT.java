package dev.hako.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deleting hostile trees: deeper than PATH_MAX, with symlinks out, 0000 directories, names that are
 * not UTF-8, very wide directories, and mounts inside. Needs root (as the suite does) for the mount.
 */
class FileTreesIT {
    private static final int OPEN_DIR = AtCalls.O_RDONLY | AtCalls.O_DIRECTORY | AtCalls.O_NOFOLLOW;
    private static final byte[] XX = {'x', 'x'};

    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "hako-trees-");
    }

    @AfterEach
    void tearDown() throws Exception {
        FileTrees.delete(dir);
    }

    @Test
    void aTreeDeeperThanPathMaxIsDeletedWithFewDescriptors() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "keep");
        Path tree = Files.createDirectory(dir.resolve("tree"));
        int depth = 3_000; // "xx/" 3,000 times: 9,000 bytes, over twice PATH_MAX
        try (AtCalls at = new AtCalls()) {
            int fd = at.open(tree.toString(), OPEN_DIR);
            for (int i = 0; i < depth; i++) {
                if (i % 500 == 499) { // on the way: a sibling with a child, a locked dir
                    at.mkdirat(fd, bytes("side"), 0755);
                    at.mkdirat(fd, bytes("locked"), 0);
                    int side = at.openat(fd, bytes("side"), OPEN_DIR);
                    at.mkdirat(side, bytes("f"), 0755);
                    AtCalls.close(side);
                }
                if (i == depth / 2) { // a symlink out, far below PATH_MAX: made through the descriptor's /proc link
                    Files.createSymbolicLink(Path.of("/proc/self/fd/" + fd + "/out"), outside);
                }
                at.mkdirat(fd, XX, 0755);
                int next = at.openat(fd, XX, OPEN_DIR);
                AtCalls.close(fd);
                fd = next;
            }
            AtCalls.close(fd);
        }
        Files.createSymbolicLink(tree.resolve("out"), outside);
        int before = openDescriptors();

        // an implementation holding a descriptor per level would run out of them here
        withDescriptorLimit(before + 200, () -> FileTrees.delete(tree));

        assertThat(Files.exists(tree, NOFOLLOW_LINKS)).isFalse();
        assertThat(outside.resolve("keep")).hasContent("keep");
        assertThat(openDescriptors()).isLessThanOrEqualTo(before);
    }

    @Test
    void symlinksAreRemovedNeverFollowed() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside/sub"));
        Files.writeString(outside.resolve("file"), "keep");
        Path tree = Files.createDirectories(dir.resolve("tree/a/b"));
        Files.createSymbolicLink(tree.resolve("toDir"), outside);
        Files.createSymbolicLink(tree.resolve("toFile"), outside.resolve("file"));
        Files.createSymbolicLink(dir.resolve("tree/a/up"), Path.of(".."));
        Files.createSymbolicLink(dir.resolve("tree/dangling"), Path.of("/nonexistent/x"));
        Path topLink = Files.createSymbolicLink(dir.resolve("link"), outside);

        FileTrees.delete(dir.resolve("tree"));
        FileTrees.delete(topLink); // the link itself goes, not what it points to

        assertThat(dir.resolve("tree")).doesNotExist();
        assertThat(Files.exists(topLink, NOFOLLOW_LINKS)).isFalse();
        assertThat(outside.resolve("file")).hasContent("keep");
        FileTrees.delete(dir.resolve("missing")); // fine
    }

    @Test
    void namesThatAreNotUtf8AndWideDirectories() throws Exception {
        Path tree = Files.createDirectory(dir.resolve("tree"));
        try (AtCalls at = new AtCalls()) {
            int fd = at.open(tree.toString(), OPEN_DIR);
            at.mkdirat(fd, new byte[] {(byte) 0xff, (byte) 0xfe}, 0755);
            int odd = at.openat(fd, new byte[] {(byte) 0xff, (byte) 0xfe}, OPEN_DIR);
            at.mkdirat(odd, new byte[] {'a', (byte) 0xc3}, 0);
            AtCalls.close(odd);
            at.mkdirat(fd, bytes("wide"), 0755);
            int wide = at.openat(fd, bytes("wide"), OPEN_DIR);
            for (int i = 0; i < 1500; i++) { // more subdirectories than one listing remembers
                at.mkdirat(wide, bytes("d" + i), i % 7 == 0 ? 0 : 0555);
            }
            AtCalls.close(wide);
            AtCalls.close(fd);
        }
        for (int i = 0; i < 500; i++) {
            Files.writeString(tree.resolve("f" + i), "x");
        }
        FileTrees.delete(tree);
        assertThat(tree).doesNotExist();
    }

    @Test
    void zeroModeDirectoriesAreOpenedWithoutRootsPowers() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree/locked/deeper"));
        Files.writeString(tree.resolve("f"), "f");
        Files.setAttribute(tree, "unix:mode", 0);
        Files.setAttribute(dir.resolve("tree/locked"), "unix:mode", 0);
        Files.setAttribute(dir.resolve("tree"), "unix:mode", 0555);
        // on a thread of its own without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: the owner's view
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                dropDacCapabilities();
                assertThatThrownBy(() -> Files.list(dir.resolve("tree/locked")).close()).isInstanceOf(IOException.class);
                FileTrees.delete(dir.resolve("tree"));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        assertThat(failure.get()).isNull();
        assertThat(dir.resolve("tree")).doesNotExist();
    }

    @Test
    void aMountInsideTheTreeStopsTheDeleteBeforeTouchingIt() throws Exception {
        Path mnt = Files.createDirectories(dir.resolve("tree/sub/mnt"));
        Files.writeString(dir.resolve("tree/sub/before"), "x");
        MountCalls.mount("tmpfs", mnt, "tmpfs", 0, "size=1m");
        try {
            Files.writeString(mnt.resolve("precious"), "keep");
            assertThatThrownBy(() -> FileTrees.delete(dir.resolve("tree")))
                    .isInstanceOf(IOException.class).hasMessageContaining("mount point");
            assertThat(mnt.resolve("precious")).hasContent("keep");
            // the mount root itself is refused as well
            assertThatThrownBy(() -> FileTrees.delete(mnt)).hasMessageContaining("mount point");
            assertThat(mnt.resolve("precious")).hasContent("keep");
        } finally {
            MountCalls.umount(mnt, MountCalls.UMOUNT_NOFOLLOW);
        }
        FileTrees.delete(dir.resolve("tree"));
        assertThat(dir.resolve("tree")).doesNotExist();
    }

    @Test
    void fromAVirtualThread() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree/a/b/c"));
        Files.writeString(tree.resolve("f"), "f");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread.ofVirtual().start(() -> {
            try {
                FileTrees.delete(dir.resolve("tree"));
            } catch (Throwable e) {
                failure.set(e);
            }
        }).join();
        assertThat(failure.get()).isNull();
        assertThat(dir.resolve("tree")).doesNotExist();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int openDescriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count() - 1; // the listing's own
        }
    }

    interface IoAction {
        void run() throws IOException;
    }

    /** Runs {@code action} with the soft RLIMIT_NOFILE lowered to {@code limit}, restored after. */
    private static void withDescriptorLimit(long limit, IoAction action) throws IOException {
        MethodHandle get = Native.link("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        MethodHandle set = Native.link("setrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        int rlimitNofile = 7;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment old = arena.allocate(JAVA_LONG, 2);
            MemorySegment lowered = arena.allocate(JAVA_LONG, 2);
            assertThat((int) get.invokeExact(state, rlimitNofile, old)).isZero();
            lowered.setAtIndex(JAVA_LONG, 0, limit);
            lowered.setAtIndex(JAVA_LONG, 1, old.getAtIndex(JAVA_LONG, 1));
            assertThat((int) set.invokeExact(state, rlimitNofile, lowered)).isZero();
            try {
                action.run();
            } finally {
                assertThat((int) set.invokeExact(state, rlimitNofile, old)).isZero();
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** Clears CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the calling thread's effective set (capabilities are per thread). */
    private static void dropDacCapabilities() throws Throwable {
        MethodHandle capget = Native.link("capget", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        MethodHandle capset = Native.link("capset", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment header = arena.allocate(JAVA_INT, 2); // { version, pid }
            header.setAtIndex(JAVA_INT, 0, 0x20080522); // _LINUX_CAPABILITY_VERSION_3
            header.setAtIndex(JAVA_INT, 1, 0); // this thread
            MemorySegment data = arena.allocate(JAVA_INT, 6); // two { effective, permitted, inheritable }
            assertThat((int) capget.invokeExact(state, header, data)).isZero();
            int effective = data.getAtIndex(JAVA_INT, 0);
            data.setAtIndex(JAVA_INT, 0, effective & ~((1 << 1) | (1 << 2)));
            assertThat((int) capset.invokeExact(state, header, data)).isZero();
        }
    }
}
