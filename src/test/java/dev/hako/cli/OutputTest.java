package dev.hako.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.Container;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.ListContainersResponse;
import dev.hako.cri.v1.ListPodSandboxResponse;
import dev.hako.json.Json;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

class OutputTest {
    private static final ListContainersResponse LIST = ListContainersResponse.newBuilder()
            .addContainers(Container.newBuilder().setId("c1").setPodSandboxId("p1")
                    .setMetadata(ContainerMetadata.newBuilder().setName("web").setAttempt(2))
                    .setState(ContainerState.CONTAINER_RUNNING).setCreatedAt(1_700_000_000_000_000_000L)
                    .putLabels("app", "web"))
            .build();

    @Test
    void jsonHoldsEveryFieldEvenAtItsDefault() {
        Map<String, Object> doc = Json.parseObject(Output.JSON.document(LIST));
        @SuppressWarnings("unchecked")
        Map<String, Object> c = ((List<Map<String, Object>>) doc.get("containers")).getFirst();
        assertThat(c).containsEntry("id", "c1").containsEntry("state", "CONTAINER_RUNNING")
                .containsEntry("createdAt", "1700000000000000000")
                .containsKeys("imageRef", "annotations", "imageId"); // empty, yet present: a stable shape
        assertThat(c.get("labels")).isEqualTo(Map.of("app", "web"));
        assertThat(Json.parseObject(Output.JSON.document(ListPodSandboxResponse.getDefaultInstance())))
                .containsEntry("items", List.of());
    }

    @Test
    void yamlIsTheSameDataInBlockStyle() {
        String yaml = Output.YAML.document(LIST);
        assertThat(yaml).startsWith("containers:\n- id: c1\n").contains("\n  state: CONTAINER_RUNNING\n")
                .contains("\n  metadata:\n    name: web\n    attempt: 2\n").doesNotContain("{\"");
        Yaml loader = new Yaml(new SafeConstructor(new LoaderOptions())); // JSON is YAML: one loader for both
        assertThat((Object) loader.load(yaml)).isEqualTo(loader.load(Output.JSON.document(LIST)));
        assertThat(Output.YAML.document("{}")).isEqualTo("{}\n");
    }

    @Test
    void theFormatComesFromOutputOrO() throws Exception {
        Set<String> opts = Set.of("output", "o");
        assertThat(Output.of(Args.parse(List.of(), opts), Output.TABLE, Output.values())).isEqualTo(Output.TABLE);
        assertThat(Output.of(Args.parse(List.of("-o", "json"), opts), Output.TABLE, Output.values())).isEqualTo(Output.JSON);
        assertThat(Output.of(Args.parse(List.of("--output=YAML"), opts), Output.TABLE, Output.values())).isEqualTo(Output.YAML);
        assertThat(Output.of(Args.parse(List.of("-o=table"), opts), Output.TABLE, Output.values())).isEqualTo(Output.TABLE);
        assertThatThrownBy(() -> Output.of(Args.parse(List.of("-o", "table"), opts), Output.JSON, Output.JSON, Output.YAML))
                .hasMessage("--output: \"table\" is not one of json, yaml");
        assertThatThrownBy(() -> Args.parse(List.of("-o"), opts)).hasMessage("-o needs a value");
    }

    @Test
    void tablesStayTheDefaultAndUnknownCommandsAreUsageErrors() {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int rc = Main.run(List.of("ps", "-o", "xml"), new java.io.PrintStream(out), new java.io.PrintStream(err));
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString()).contains("--output: \"xml\" is not one of table, json, yaml");
        rc = Main.run(List.of("stop", "--all", "abc"), new java.io.PrintStream(out), new java.io.PrintStream(err));
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString()).contains("give container IDs or --all, not both");
        rc = Main.run(List.of("stop", "-t", "soon", "abc"), new java.io.PrintStream(out), new java.io.PrintStream(err));
        assertThat(rc).isEqualTo(2);
        assertThat(err.toString()).contains("--timeout: \"soon\" is not a number of seconds");
    }
}
