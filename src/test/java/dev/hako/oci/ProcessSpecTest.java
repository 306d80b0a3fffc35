package dev.hako.oci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The typed {@code process} writes the JSON the map-built one did: same fields, same order, optional ones left out. */
class ProcessSpecTest {
    @Test
    void writesTheSpecFieldsInOrder() {
        ProcessSpec p = new ProcessSpec(true, new ProcessSpec.User(1000, 1000, List.of(1000L, 5L)), List.of("sh", "-c"),
                List.of("PATH=/bin"), "/w", ProcessSpec.Capabilities.of(List.of("CAP_KILL"), List.of("CAP_KILL")), true, -5);
        assertThat(Json.write(p.toJson())).isEqualTo("{\"terminal\":true,\"user\":{\"uid\":1000,\"gid\":1000,"
                + "\"additionalGids\":[1000,5]},\"args\":[\"sh\",\"-c\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/w\","
                + "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"],"
                + "\"inheritable\":[\"CAP_KILL\"],\"ambient\":[\"CAP_KILL\"]},\"noNewPrivileges\":true,\"oomScoreAdj\":-5}");
    }

    @Test
    void leavesOutWhatIsUnset() {
        ProcessSpec p = new ProcessSpec(false, new ProcessSpec.User(0, 0, List.of(0L)), List.of("x"), List.of(), "/",
                ProcessSpec.Capabilities.of(List.of(), List.of()), false, 0);
        assertThat(p.toJson()).doesNotContainKey("noNewPrivileges");
        assertThat(p.capabilities().toJson()).containsOnlyKeys("bounding", "effective", "permitted");
    }
}
