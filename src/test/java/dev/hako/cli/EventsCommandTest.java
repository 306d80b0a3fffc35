package dev.hako.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hako.cri.v1.ContainerEventResponse;
import dev.hako.cri.v1.ContainerEventType;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.ContainerStatus;
import dev.hako.cri.v1.PodSandboxMetadata;
import dev.hako.cri.v1.PodSandboxStatus;
import dev.hako.json.Json;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventsCommandTest {
    private static final String POD = "9c1aa2b3c4d5e6f70000000000000000000000000000000000000000000000aa";
    private static final String CTR = "4f2a9c1d3e5b6a7b0000000000000000000000000000000000000000000000bb";
    /** 2026-12-04T21:15:02.123456789Z */
    private static final long AT = 1_796_418_902_123_456_789L;

    private static ContainerEventResponse event(ContainerEventType type, String id, boolean withStatus) {
        ContainerEventResponse.Builder e = ContainerEventResponse.newBuilder().setContainerId(id)
                .setContainerEventType(type).setCreatedAt(AT)
                .setPodSandboxStatus(PodSandboxStatus.newBuilder().setId(POD)
                        .setMetadata(PodSandboxMetadata.newBuilder().setName("web").setNamespace("default")));
        if (withStatus) {
            e.addContainersStatuses(ContainerStatus.newBuilder().setId(CTR)
                    .setMetadata(ContainerMetadata.newBuilder().setName("nginx")));
        }
        return e.build();
    }

    @Test
    void aContainerEventIsALineWithTimeTypeShortIdNameAndPod() {
        String line = EventsCommand.line(event(ContainerEventType.CONTAINER_STARTED_EVENT, CTR, true), "");
        assertThat(line.split("\\s+")).containsExactly("2026-12-04T21:15:02.123456Z", "STARTED", "4f2a9c1d3e5b6",
                "container", "nginx", "web/default");
    }

    @Test
    void aSandboxEventIsMarkedAsThePods() {
        String line = EventsCommand.line(event(ContainerEventType.CONTAINER_CREATED_EVENT, POD, true), "");
        assertThat(line.split("\\s+")).containsExactly("2026-12-04T21:15:02.123456Z", "CREATED", "9c1aa2b3c4d5e",
                "sandbox", "web", "web/default");
    }

    @Test
    void aDeletedContainerKeepsTheNameSeenInAnEarlierEvent() {
        EventsCommand events = new EventsCommand(Output.TABLE, EventsCommand.Filter.ALL);
        events.render(event(ContainerEventType.CONTAINER_STOPPED_EVENT, CTR, true));
        String deleted = events.render(event(ContainerEventType.CONTAINER_DELETED_EVENT, CTR, false));
        assertThat(deleted).endsWith("\n").contains(" DELETED ").contains(" nginx ");
        String unknown = new EventsCommand(Output.TABLE, EventsCommand.Filter.ALL)
                .render(event(ContainerEventType.CONTAINER_DELETED_EVENT, CTR, false));
        assertThat(unknown.split("\\s+")[4]).isEqualTo("-");
    }

    @Test
    void jsonIsOneCompleteObjectALine() {
        String json = new EventsCommand(Output.JSON, EventsCommand.Filter.ALL)
                .render(event(ContainerEventType.CONTAINER_STOPPED_EVENT, CTR, true));
        assertThat(json).endsWith("\n").doesNotContain("\n\n");
        assertThat(json.strip()).doesNotContain("\n");
        Map<String, Object> doc = Json.parseObject(json);
        assertThat(doc).containsEntry("containerId", CTR).containsEntry("containerEventType", "CONTAINER_STOPPED_EVENT")
                .containsEntry("createdAt", Long.toString(AT));
        @SuppressWarnings("unchecked")
        Map<String, Object> pod = (Map<String, Object>) doc.get("podSandboxStatus");
        assertThat(pod).containsEntry("id", POD).containsKey("state");
        String yaml = new EventsCommand(Output.YAML, EventsCommand.Filter.ALL)
                .render(event(ContainerEventType.CONTAINER_STOPPED_EVENT, CTR, true));
        assertThat(yaml).startsWith("---\n").contains("containerEventType: CONTAINER_STOPPED_EVENT\n");
    }

    @Test
    void filtersByPodIdPodNameAndContainerId() {
        var started = event(ContainerEventType.CONTAINER_STARTED_EVENT, CTR, true);
        var sandbox = event(ContainerEventType.CONTAINER_STARTED_EVENT, POD, true);
        assertThat(new EventsCommand.Filter(POD, null, null).admits(started)).isTrue();
        assertThat(new EventsCommand.Filter("ffff", null, null).admits(started)).isFalse();
        assertThat(new EventsCommand.Filter(null, "web", null).admits(started)).isTrue();
        assertThat(new EventsCommand.Filter(null, "9c1a", null).admits(started)).as("a pod still to come, by ID prefix")
                .isTrue();
        assertThat(new EventsCommand.Filter(null, "db", null).admits(started)).isFalse();
        assertThat(new EventsCommand.Filter(null, null, "4f2a").admits(started)).isTrue();
        assertThat(new EventsCommand.Filter(null, null, "4f2a").admits(sandbox)).isFalse();
        assertThat(new EventsCommand(Output.TABLE, new EventsCommand.Filter(null, "db", null)).render(started)).isNull();
    }

    @Test
    void filterResolvesPrefixesOfExistingObjectsAndKeepsTheRest() {
        assertThat(EventsCommand.filter(() -> java.util.List.of(POD), () -> java.util.List.of(CTR), "9c1a", "4f2")).isEqualTo(new EventsCommand.Filter(POD, null, CTR));
        assertThat(EventsCommand.filter(() -> java.util.List.of(POD), () -> java.util.List.of(CTR), "web", "77")).isEqualTo(new EventsCommand.Filter(null, "web", "77"));
        assertThat(EventsCommand.filter(() -> java.util.List.of(POD), () -> java.util.List.of(CTR), null, null)).isEqualTo(EventsCommand.Filter.ALL);
    }
}
