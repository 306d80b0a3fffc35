package dev.hako.image.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {
    static final String HEX = "a".repeat(64);

    static String norm(String s) {
        return ImageReference.parse(s, "image.image").toString();
    }

    @Test
    void normalisesLikeTheKubeletAndContainerd() {
        assertThat(norm("busybox")).isEqualTo("docker.io/library/busybox:latest");
        assertThat(norm("busybox:1.36")).isEqualTo("docker.io/library/busybox:1.36");
        assertThat(norm("library/busybox")).isEqualTo("docker.io/library/busybox:latest");
        assertThat(norm("bitnami/redis:7")).isEqualTo("docker.io/bitnami/redis:7");
        assertThat(norm("docker.io/busybox")).isEqualTo("docker.io/library/busybox:latest");
        assertThat(norm("index.docker.io/library/busybox:1")).isEqualTo("docker.io/library/busybox:1");
        assertThat(norm("registry.k8s.io/pause:3.10")).isEqualTo("registry.k8s.io/pause:3.10");
        assertThat(norm("127.0.0.1:5000/team/app:v1.2")).isEqualTo("127.0.0.1:5000/team/app:v1.2");
        assertThat(norm("localhost/app")).isEqualTo("localhost/app:latest");
        assertThat(norm("localhost:5000/a/b/c")).isEqualTo("localhost:5000/a/b/c:latest");
        assertThat(norm("busybox@sha256:" + HEX)).isEqualTo("docker.io/library/busybox@sha256:" + HEX);
        assertThat(norm("busybox:1.36@sha256:" + HEX)).isEqualTo("docker.io/library/busybox:1.36@sha256:" + HEX);
        assertThat(norm("[::1]:5000/app:1")).isEqualTo("[::1]:5000/app:1");
    }

    @Test
    void partsAreKeptApart() {
        ImageReference r = ImageReference.parse("127.0.0.1:5000/team/app:1@sha256:" + HEX, "f");
        assertThat(r.domain()).isEqualTo("127.0.0.1:5000");
        assertThat(r.path()).isEqualTo("team/app");
        assertThat(r.tag()).isEqualTo("1");
        assertThat(r.digest().hex()).isEqualTo(HEX);
        assertThat(r.manifestReference()).isEqualTo("sha256:" + HEX); // the digest wins
        assertThat(r.tagged()).isEqualTo("127.0.0.1:5000/team/app:1");
    }

    @Test
    void malformedReferencesNameThemselvesAndTheReason() {
        String[][] cases = {
            {"", "empty"},
            {"Busybox", "lowercase"},
            {"busybox:", "tag"},
            {"busybox:-x", "tag"},
            {"busybox@sha256:abc", "not a digest"},
            {"busybox@md5:" + HEX, "not a digest"},
            {"a//b", "path component"},
            {"bad_host:5000:1/app", "host"},
            {"app/", "path component"},
            {"x".repeat(300), "longer than"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(() -> ImageReference.parse(c[0], "image.image")).as(c[0])
                    .isInstanceOfSatisfying(HakoException.class, e -> {
                        assertThat(e.kind()).isEqualTo(HakoException.Kind.INVALID_ARGUMENT);
                        assertThat(e.getMessage()).startsWith("image.image: ").contains(c[1]);
                        if (!c[0].isEmpty()) {
                            assertThat(e.getMessage()).contains("\"" + c[0] + "\"");
                        }
                    });
        }
    }

    /** Issue 13 item 20: 1 MiB references overflowed the stack in the patterns (StackOverflowError, INTERNAL). */
    @Test
    void hugeReferencesAreRefusedNotOverflowed() {
        int mib = 1024 * 1024;
        for (String huge : java.util.List.of("a.".repeat(mib / 2) + "a/b:c", "a.".repeat(mib / 2) + "a", "a/".repeat(mib / 2) + "b",
                "x/" + "a-".repeat(mib / 2) + "a", "a".repeat(mib), "reg.example/x:" + "t".repeat(mib),
                // short enough to reach the patterns, long enough to have overflowed them
                "a.".repeat(2000) + "a", "x/" + "a.".repeat(2000) + "a")) {
            assertThatThrownBy(() -> ImageReference.parse(huge, "image.image"))
                    .isInstanceOfSatisfying(HakoException.class, e -> {
                        assertThat(e.kind()).isEqualTo(HakoException.Kind.INVALID_ARGUMENT);
                        assertThat(e.getMessage()).startsWith("image.image: ").hasSizeLessThan(5000);
                    });
        }
        String longest = "reg.example/" + "a".repeat(255 - "reg.example/".length());
        assertThat(norm(longest)).isEqualTo(longest + ":latest");
    }
}
