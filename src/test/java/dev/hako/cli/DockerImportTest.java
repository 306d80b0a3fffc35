package dev.hako.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.config.ConfigLoader;
import dev.hako.config.HakoConfig;
import dev.hako.testing.TempDirs;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** hako config import-docker on a sample daemon.json: the fragment parses and carries what it can. */
class DockerImportTest {
    private static final String SAMPLE = """
            {
              "default-runtime": "runc",
              "runtimes": {
                "runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--platform=ptrace", "--network=sandbox"]},
                "kata": {"runtimeType": "io.containerd.kata.v2"},
                "My_Runtime": {"path": "/usr/bin/runc"}
              },
              "registry-mirrors": ["https://mirror.example.com"],
              "insecure-registries": ["127.0.0.1:5000", "10.0.0.0/8"],
              "log-driver": "json-file",
              "storage-driver": "overlay2"
            }
            """;

    @Test
    void aSampleDaemonJsonBecomesAValidFragmentAndEveryLossIsWarned() throws Exception {
        Path dir = TempDirs.create("hako-docker");
        try {
            Path file = Files.writeString(dir.resolve("daemon.json"), SAMPLE);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = Main.run(List.of("config", "import-docker", file.toString()),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            String toml = out.toString(StandardCharsets.UTF_8);
            String warnings = err.toString(StandardCharsets.UTF_8);
            assertThat(rc).as(warnings).isZero();
            assertThat(toml).contains("[runtime]\ndefault_handler = \"runc\"\n[runtime.handlers.runc]\n")
                    .contains("[runtime.handlers.runsc]\npath = \"/usr/bin/runsc\"\nargs = [\"--platform=ptrace\", \"--network=sandbox\"]\n")
                    .contains("[image.registries.\"docker.io\"]\nmirrors = [\"https://mirror.example.com\"]\n")
                    .contains("[image.registries.\"127.0.0.1:5000\"]\ninsecure = true\n")
                    .doesNotContain("My_Runtime").doesNotContain("kata").doesNotContain("10.0.0.0");
            assertThat(warnings)
                    .contains("hako: runtimes.kata: no path")
                    .contains("hako: runtimes.My_Runtime: not a DNS-1123 label")
                    .contains("hako: insecure-registries: \"10.0.0.0/8\" is a CIDR range")
                    .contains("hako: log-driver: no Hako equivalent")
                    .contains("hako: storage-driver: no Hako equivalent");
            HakoConfig c = ConfigLoader.fromToml(toml, null);
            assertThat(c.runtime().defaultHandler()).isEqualTo("runc");
            assertThat(c.runtime().handlers().get("runsc").args()).containsExactly("--platform=ptrace", "--network=sandbox");
            assertThat(c.image().registries().get("docker.io").mirrors()).containsExactly(URI.create("https://mirror.example.com"));
            assertThat(c.image().registries().get("127.0.0.1:5000").insecure()).isTrue();
        } finally {
            TempDirs.delete(dir);
        }
    }

    @Test
    void aMissingFileOrBadJsonFails() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(Main.run(List.of("config", "import-docker", "/nonexistent/daemon.json"), o, e)).isEqualTo(1);
        assertThat(Main.run(List.of("config", "import-docker"), o, e)).isEqualTo(2);
        assertThat(DockerImport.quote("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
    }
}
