package dev.hako.pod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.CgroupDriver;
import dev.hako.config.HandlerConfig;
import dev.hako.config.RuntimeSettings;
import dev.hako.error.HakoException;
import dev.hako.monitor.Conmon;
import dev.hako.monitor.ContainerRuntimes;
import dev.hako.oci.RuntimeHandlers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which handler a pod runs with, and the errors the kubelet shows when none fits. */
class HandlerResolutionTest {
    @TempDir
    Path dir;

    private HandlerResolution resolution;

    @BeforeEach
    void handlers() throws IOException {
        Path runc = Files.writeString(dir.resolve("runc"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(runc, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path crun = Files.writeString(dir.resolve("crun"), "not executable\n");
        Map<String, HandlerConfig> handlers = Map.of(
                "runc", new HandlerConfig("runc", runc, dir.resolve("r"), List.of()),
                "crun", new HandlerConfig("crun", crun, dir.resolve("c"), List.of()),
                "kata", new HandlerConfig("kata", dir.resolve("gone"), dir.resolve("k"), List.of()));
        RuntimeSettings settings = new RuntimeSettings("runc", CgroupDriver.CGROUPFS, Path.of("/usr/bin/conmon"),
                "pause", List.of("/pause"), handlers, null);
        resolution = new HandlerResolution(new RuntimeHandlers(settings),
                new ContainerRuntimes(settings, new Conmon(Path.of("/usr/bin/conmon"), dir.resolve("state"))));
    }

    @Test
    void anEmptyNameIsTheDefaultHandler() {
        assertThat(resolution.resolve("")).isEqualTo("runc");
        assertThat(resolution.resolve("runc")).isEqualTo("runc");
    }

    @Test
    void anUnknownHandlerIsAnInvalidArgumentListingTheConfiguredOnes() {
        assertThatThrownBy(() -> resolution.resolve("youki"))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind())
                        .isEqualTo(HakoException.Kind.INVALID_ARGUMENT))
                .hasMessageContaining("runtime_handler")
                .hasMessageContaining("unknown runtime handler \"youki\": no [runtime.handlers.youki] on this node"
                        + " (configured handlers: runc, ")
                .hasMessageContaining("crun")
                .hasMessageContaining("kata");
    }

    @Test
    void aHandlerWhoseBinaryIsMissingOrNotExecutableIsAFailedPrecondition() {
        for (String name : List.of("crun", "kata")) {
            assertThatThrownBy(() -> resolution.resolve(name))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind())
                            .isEqualTo(HakoException.Kind.FAILED_PRECONDITION))
                    .hasMessageContaining("runtime handler \"" + name + "\" runs " + dir)
                    .hasMessageEndingWith(", which is missing or not executable");
        }
    }
}
