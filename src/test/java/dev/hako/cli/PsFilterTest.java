package dev.hako.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.Container;
import dev.hako.cri.v1.ContainerMetadata;
import dev.hako.cri.v1.ContainerState;
import dev.hako.cri.v1.ImageSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PsFilterTest {
    private static final Set<String> OPTIONS = Set.of("pod", "p", "state", "s", "name", "label", "image");
    private static final Set<String> FLAGS = Set.of("a", "all");

    private static final Container WEB = Container.newBuilder().setId("c1").setPodSandboxId("pod-aaaa")
            .setMetadata(ContainerMetadata.newBuilder().setName("web-server")).setState(ContainerState.CONTAINER_RUNNING)
            .setImage(ImageSpec.newBuilder().setImage("example.com/nginx:1")).setImageId("sha256:abcdef0123")
            .putLabels("app", "web").putLabels("tier", "front").build();
    private static final Container DONE = WEB.toBuilder().setId("c2").setPodSandboxId("pod-bbbb")
            .setMetadata(ContainerMetadata.newBuilder().setName("migrate")).setState(ContainerState.CONTAINER_EXITED)
            .build();
    private static final Map<String, String> POD_NAMES = Map.of("pod-aaaa", "web", "pod-bbbb", "db");

    private static PsFilter filter(String... args) throws Exception {
        return PsFilter.parse(Args.parse(List.of(args), OPTIONS, FLAGS)).withPods(List.of("pod-aaaa", "pod-bbbb"));
    }

    private static List<String> shown(PsFilter f) {
        return List.of(WEB, DONE).stream().filter(c -> f.admits(c, POD_NAMES)).map(Container::getId).toList();
    }

    @Test
    void runningOnlyUnlessAllOrAState() throws Exception {
        assertThat(shown(filter())).containsExactly("c1");
        assertThat(shown(filter("-a"))).containsExactly("c1", "c2");
        assertThat(shown(filter("--state", "exited"))).containsExactly("c2");
        assertThat(shown(filter("-s", "RUNNING"))).containsExactly("c1");
        assertThatThrownBy(() -> filter("--state", "paused")).isInstanceOf(Args.UsageException.class)
                .hasMessageContaining("created, running, exited, unknown");
    }

    @Test
    void byPodIdPrefixOrName() throws Exception {
        assertThat(shown(filter("-a", "--pod", "pod-b"))).containsExactly("c2");
        assertThat(shown(filter("-a", "-p", "web"))).containsExactly("c1");
        assertThat(shown(filter("-a", "--pod", "nothing"))).isEmpty();
        assertThatThrownBy(() -> filter("--pod", "pod-")).hasMessageContaining("ambiguous");
    }

    @Test
    void byNameRegexLabelsAndImage() throws Exception {
        assertThat(shown(filter("-a", "--name", "^web"))).containsExactly("c1");
        assertThat(shown(filter("-a", "--name", "grat"))).containsExactly("c2");
        assertThatThrownBy(() -> filter("--name", "(")).hasMessageContaining("--name");
        assertThat(shown(filter("-a", "--label", "app=web", "--label", "tier=front"))).containsExactly("c1", "c2");
        assertThat(shown(filter("-a", "--label", "app=web", "--label", "tier=back"))).isEmpty();
        assertThatThrownBy(() -> filter("--label", "app")).hasMessageContaining("KEY=VALUE");
        assertThat(shown(filter("--image", "example.com/nginx:1"))).containsExactly("c1");
        assertThat(shown(filter("--image", "abcd"))).containsExactly("c1");
        assertThat(shown(filter("--image", "sha256:abcd"))).containsExactly("c1");
        assertThat(shown(filter("--image", "example.com/other:1"))).isEmpty();
    }
}
