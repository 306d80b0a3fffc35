package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.HandlerConfig;
import dev.hako.cri.v1.ContainerConfig;
import dev.hako.cri.v1.Mount;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.error.HakoException;
import dev.hako.pod.Pod;
import dev.hako.store.ContainerRow;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A CreateContainer request is refused with the CRI code and the field's name before anything is made. */
class CreateChecksTest {
    private static final Pod READY = pod(Pod.State.READY);

    private static Pod pod(Pod.State state) {
        return new Pod("p1", PodSandboxConfig.getDefaultInstance(), "", state, Instant.now(), Path.of("/nonexistent"), null);
    }

    private static void assertKind(Throwable t, HakoException.Kind kind) {
        assertThat(t).isInstanceOf(HakoException.class);
        assertThat(((HakoException) t).kind()).isEqualTo(kind);
    }

    @Test
    void aPodThatIsNotReadyTakesNoContainers() {
        assertThatThrownBy(() -> CreateChecks.requireReady(pod(Pod.State.NOTREADY)))
                .satisfies(t -> assertKind(t, HakoException.Kind.FAILED_PRECONDITION))
                .hasMessage("pod sandbox p1 is not ready; cannot create containers in it");
        assertThatCode(() -> CreateChecks.requireReady(READY)).doesNotThrowAnyException();
    }

    @Test
    void nameAndImageAreRequiredAndNamed() {
        ContainerConfig ok = ContainerFixture.config("app", 0);
        assertThat(CreateChecks.requireName(ok)).isEqualTo("app");
        assertThat(CreateChecks.requireImage(ok)).isEqualTo("docker.io/library/busybox:latest");
        assertThatThrownBy(() -> CreateChecks.requireName(ContainerConfig.getDefaultInstance()))
                .satisfies(t -> assertKind(t, HakoException.Kind.INVALID_ARGUMENT))
                .hasMessage("config.metadata.name: a container needs a name");
        assertThatThrownBy(() -> CreateChecks.requireImage(ok.toBuilder().clearImage().build()))
                .satisfies(t -> assertKind(t, HakoException.Kind.INVALID_ARGUMENT))
                .hasMessage("config.image.image: no image given");
    }

    @Test
    void aNameIsTakenPerPodAndAttempt() {
        ContainerRow taken = new ContainerRow("c1", "p1", "app", 0, new byte[0], "img", "RUNNING", Instant.now(), null,
                null, null, "", "", 0, "{}");
        assertThatThrownBy(() -> CreateChecks.requireNewName(List.of(taken), READY, ContainerFixture.config("app", 0)))
                .satisfies(t -> assertKind(t, HakoException.Kind.ALREADY_EXISTS))
                .hasMessage("container app (attempt 0) already exists in pod p1 as c1");
        assertThatCode(() -> CreateChecks.requireNewName(List.of(taken), READY, ContainerFixture.config("app", 1)))
                .doesNotThrowAnyException();
        assertThatCode(() -> CreateChecks.requireNewName(List.of(taken), READY, ContainerFixture.config("other", 0)))
                .doesNotThrowAnyException();
    }

    @Test
    void withoutHandlerFeaturesRecursiveReadOnlyMountsPass() {
        ContainerConfig rro = ContainerFixture.config("app", 0).toBuilder()
                .addMounts(Mount.newBuilder().setContainerPath("/a").setHostPath("/tmp").setRecursiveReadOnly(true))
                .build();
        HandlerConfig runc = new HandlerConfig("runc", Path.of("/usr/sbin/runc"), Path.of("/run/r"), List.of());
        assertThatCode(() -> CreateChecks.requireMountSupport(rro, runc, null)).doesNotThrowAnyException();
    }

    @Test
    void podAnnotationsPassOnlyWhenTheHandlerAllowsThem() {
        Pod annotated = new Pod("p1", PodSandboxConfig.newBuilder().putAnnotations("io.kubernetes.cri-o.Devices", "x")
                .putAnnotations("other", "y").build(), "", Pod.State.READY, Instant.now(), Path.of("/nonexistent"), null);
        HandlerConfig runc = new HandlerConfig("runc", Path.of("/usr/sbin/runc"), Path.of("/run/r"), List.of());
        ContainerConfig cfg = ContainerFixture.config("app", 0);
        assertThat(ContainerCreation.withPodAnnotations(cfg, annotated, runc)).isSameAs(cfg);
        HandlerConfig allowing = new HandlerConfig("runc", Path.of("/usr/sbin/runc"), Path.of("/run/r"), List.of(),
                HandlerConfig.TYPE_OCI, Path.of("/usr/bin/conmon"), false, List.of("io.kubernetes.cri-o.*"),
                HandlerConfig.POD_INFRA_AUTO);
        assertThat(ContainerCreation.withPodAnnotations(cfg, annotated, allowing).getAnnotationsMap())
                .containsExactly(java.util.Map.entry("io.kubernetes.cri-o.Devices", "x"));
        ContainerConfig own = cfg.toBuilder().putAnnotations("io.kubernetes.cri-o.Devices", "mine").build();
        assertThat(ContainerCreation.withPodAnnotations(own, annotated, allowing)).isSameAs(own);
    }
}
