package dev.hako.image.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** WWW-Authenticate parsing: several challenges per header, quoted values with commas and escapes. */
class ChallengeTest {

    @Test
    void parsesTheDistributionBearerChallenge() {
        List<Challenge> cs = Challenge.parse(List.of(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\""));
        assertThat(cs).containsExactly(new Challenge("bearer", Map.of("realm", "https://auth.docker.io/token",
                "service", "registry.docker.io", "scope", "repository:library/busybox:pull")));
    }

    @Test
    void parsesSeveralChallengesAndQuotedCommasAndEscapes() {
        List<Challenge> cs = Challenge.parse(List.of(
                "Basic realm=\"a, \\\"b\\\"\", BEARER Realm=https://x/token , scope=\"repository:a:pull,push\"",
                "Negotiate"));
        assertThat(cs).extracting(Challenge::scheme).containsExactly("basic", "bearer", "negotiate");
        assertThat(cs.get(0).param("realm")).isEqualTo("a, \"b\"");
        assertThat(cs.get(1).param("realm")).isEqualTo("https://x/token");
        assertThat(cs.get(1).param("scope")).isEqualTo("repository:a:pull,push");
        assertThat(Challenge.find(cs, "bearer")).isSameAs(cs.get(1));
        assertThat(Challenge.parse(List.of("", " , "))).isEmpty();
    }
}
