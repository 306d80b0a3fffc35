package dev.hako.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class IdsTest {
    private static final List<String> IDS = List.of("abc123", "abd456", "f00", "f00d");

    @Test
    void aUniquePrefixResolvesToTheFullId() {
        assertThat(Ids.resolve("container", "abc", IDS)).isEqualTo("abc123");
        assertThat(Ids.resolve("container", "abd456", IDS)).isEqualTo("abd456");
    }

    @Test
    void aFullIdWinsOverTheLongerIdsItPrefixes() {
        assertThat(Ids.resolve("pod", "f00", IDS)).isEqualTo("f00");
    }

    @Test
    void anAmbiguousPrefixIsRefusedNamingTheMatches() {
        assertThatThrownBy(() -> Ids.resolve("container", "ab", IDS))
                .isInstanceOf(Ids.UnknownIdException.class)
                .hasMessage("container ID prefix \"ab\" is ambiguous: it matches 2 containers: abc123, abd456; give more of the ID");
    }

    @Test
    void manyMatchesAreNamedUpToFive() {
        List<String> ids = List.of("a1", "a2", "a3", "a4", "a5", "a6", "a7");
        assertThatThrownBy(() -> Ids.resolve("pod", "a", ids))
                .hasMessageContaining("7 pods: a1, a2, a3, a4, a5 and 2 more");
    }

    @Test
    void noMatchSaysNoSuchObject() {
        assertThatThrownBy(() -> Ids.resolve("container", "zz", IDS)).hasMessage("no such container: zz");
        assertThat(Ids.find("pod", "zz", IDS)).isEmpty();
        assertThatThrownBy(() -> Ids.resolve("pod", "", IDS)).hasMessageContaining("empty pod ID");
    }

    @Test
    void imageIdPrefixesResolveButReferencesPassThrough() {
        List<String> images = List.of("sha256:aaa111", "sha256:aab222", "sha256:cafe00");
        assertThat(Ids.imageRef("aaa", images)).isEqualTo("sha256:aaa111");
        assertThat(Ids.imageRef("sha256:aab", images)).isEqualTo("sha256:aab222");
        assertThat(Ids.imageRef("busybox:1.36", images)).isEqualTo("busybox:1.36");
        assertThat(Ids.imageRef("docker.io/library/busybox@sha256:aaa111", images))
                .isEqualTo("docker.io/library/busybox@sha256:aaa111");
        assertThat(Ids.imageRef("beef", images)).as("hex, but no ID: a name for the daemon").isEqualTo("beef");
        assertThatThrownBy(() -> Ids.imageRef("aa", images))
                .hasMessageContaining("image ID prefix \"aa\" is ambiguous").hasMessageContaining("aaa111, aab222");
    }
}
