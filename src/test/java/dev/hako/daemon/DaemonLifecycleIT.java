package dev.hako.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.VersionRequest;
import dev.hako.testing.DaemonProcess;
import dev.hako.testing.HakoCommand;
import dev.hako.testing.TempDirs;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

/** The daemon as a process: its socket, its locks, its signals. */
class DaemonLifecycleIT {

    @Test
    void socketIsRootOnlyAndItsDirectoryTraversable() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("").start()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.socket()))).isEqualTo("rw-rw----");
            assertThat(Files.getAttribute(d.socket(), "unix:uid")).isEqualTo(0);
            assertThat(Files.getAttribute(d.socket(), "unix:gid")).isEqualTo(0);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d.socket().getParent())))
                    .isEqualTo("rwx--x--x");
            assertThat(d.root().resolve("hako.db")).exists();
        }
    }

    @Test
    void sigtermExitsZeroAndRemovesTheSocket() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("").start()) {
            assertThat(d.stop()).isZero();
            assertThat(d.socket()).doesNotExist();
            assertThat(d.log()).contains("received signal").contains("signal=SIGTERM").contains("msg=\"stopped\"");
        }
    }

    @Test
    void sigintExitsZero() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("").start()) {
            new ProcessBuilder("kill", "-INT", Long.toString(d.process().pid())).start().waitFor();
            assertThat(d.process().waitFor()).isZero();
            assertThat(d.log()).contains("signal=SIGINT");
        }
    }

    @Test
    void staleSocketFromADeadDaemonIsReplaced() throws Exception {
        Path dir = TempDirs.create("hako-stale");
        Path socket = dir.resolve("run/hako.sock");
        Files.createDirectories(socket.getParent());
        // a socket file nobody listens on any more, as a killed daemon leaves behind
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();
        try (DaemonProcess d = DaemonProcess.withConfig(dir, "").start()) {
            assertThat(d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("hako");
            assertThat(d.log()).contains("replaced stale socket");
        }
    }

    @Test
    void socketAppearsOnlyWhenReadyAndTheHiddenStartupSocketIsGone() throws Exception {
        Path dir = TempDirs.create("hako-hidden");
        Path socket = dir.resolve("run/hako.sock");
        Path hidden = socket.resolveSibling(".hako.sock.starting");
        Files.createDirectories(socket.getParent());
        // what a daemon killed while starting leaves behind: its hidden socket, bound and abandoned
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(hidden));
        }
        try (DaemonProcess d = DaemonProcess.withConfig(dir, "").start()) {
            assertThat(d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("hako");
            assertThat(hidden).doesNotExist();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
            assertThat(d.stop()).isZero();
            assertThat(socket).doesNotExist();
            assertThat(hidden).doesNotExist();
        }
    }

    @Test
    void somethingElseAtTheSocketPathIsLeftAlone() throws Exception {
        Path dir = TempDirs.create("hako-notsock");
        Path socket = dir.resolve("run/hako.sock");
        Files.createDirectories(socket.getParent());
        Files.writeString(socket, "precious");
        try (DaemonProcess d = DaemonProcess.withConfig(dir, "")) {
            HakoCommand.Result r = HakoCommand.run(dir, "daemon", "--config", d.configFile().toString());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.output()).contains(socket + " exists and is not a socket");
            assertThat(Files.readString(socket)).isEqualTo("precious");
        }
    }

    @Test
    void secondDaemonOnTheSameRootRefuses() throws Exception {
        try (DaemonProcess first = DaemonProcess.withConfig("").start()) {
            HakoCommand.Result second = HakoCommand.run(first.dir(), "daemon", "--config", first.configFile().toString());
            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.output())
                    .contains("another hako daemon (pid " + first.process().pid() + ") is already using root " + first.root());
            // the first one is untouched and still serving
            assertThat(first.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("hako");
            assertThat(first.socket()).exists();
        }
    }

    @Test
    void secondDaemonOnTheSameSocketWithAnotherRootRefuses() throws Exception {
        try (DaemonProcess first = DaemonProcess.withConfig("").start()) {
            Path otherRoot = first.dir().resolve("other-root");
            Path config = first.dir().resolve("second.toml");
            Files.writeString(config, """
                    socket = "%s"
                    root = "%s"
                    state = "%s"
                    """.formatted(first.socket(), otherRoot, first.dir().resolve("other-state")));
            HakoCommand.Result second = HakoCommand.run(first.dir(), "daemon", "--config", config.toString());
            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.output()).contains("is already using socket " + first.socket());
            assertThat(first.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("hako");
        }
    }

    @Test
    void restartsCleanlyAfterAStop() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("").start()) {
            assertThat(d.stop()).isZero();
            d.start();
            assertThat(d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeApiVersion()).isEqualTo("v1");
        }
    }

    @Test
    void restartsAfterBeingKilled() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("").start()) {
            d.process().destroyForcibly().waitFor();
            assertThat(d.socket()).exists(); // left behind, as after a crash
            d.start();
            assertThat(d.runtime().version(VersionRequest.getDefaultInstance()).getRuntimeName()).isEqualTo("hako");
        }
    }
}
