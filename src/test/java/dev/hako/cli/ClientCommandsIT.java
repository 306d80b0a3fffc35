package dev.hako.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.testing.DaemonProcess;
import dev.hako.testing.HakoCommand;
import org.junit.jupiter.api.Test;

/** {@code hako version} and {@code hako info} against a running daemon, as separate processes. */
class ClientCommandsIT {

    @Test
    void versionAndInfoTalkToTheDaemon() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("").start()) {
            HakoCommand.Result version = HakoCommand.run(d.dir(), "version", "--socket", d.socket().toString());
            assertThat(version.exitCode()).isZero();
            assertThat(version.output()).contains("Client:").contains("RuntimeName:    hako").contains("RuntimeApiVersion: v1");

            HakoCommand.Result info = HakoCommand.run(d.dir(), "info", "--config", d.configFile().toString());
            assertThat(info.exitCode()).isZero();
            assertThat(info.output())
                    .contains("RuntimeReady  true")
                    .contains("NetworkReady  false NetworkPluginNotReady")
                    .contains("\"\" (default)")
                    .contains("\"default_handler\": \"runc\"");
        }
    }

    @Test
    void clientCommandsFailClearlyWithoutADaemon() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("")) {
            HakoCommand.Result r = HakoCommand.run(d.dir(), "version", "--socket", d.socket().toString());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.output()).contains("Client:").contains(d.socket() + ": UNAVAILABLE");
        }
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        try (DaemonProcess d = DaemonProcess.withConfig("")) {
            HakoCommand.Result r = HakoCommand.run(d.dir(), "frobnicate");
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.output()).contains("unknown command \"frobnicate\"").contains("Usage: hako");
            r = HakoCommand.run(d.dir(), "daemon", "--sockett", "/x");
            assertThat(r.exitCode()).isEqualTo(2);
            assertThat(r.output()).contains("unknown option --sockett");
        }
    }
}
