package dev.hako.container;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.cri.v1.LinuxContainerResources;
import dev.hako.error.HakoException;
import dev.hako.image.ImageService;
import dev.hako.oci.RuntimeHandlers;
import dev.hako.pod.PodService;
import dev.hako.spec.HostFacts;
import dev.hako.testing.Modes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service as the CRI layer calls it, without root: requests refused before anything is touched,
 * lookups, exit files applied, removal. Creating and starting a real container needs root and runc:
 * ContainerLifecycleIT and the other container ITs cover those.
 */
class ContainerServiceTest {
    private ContainerFixture f;
    private ContainerService service;
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() throws Exception {
        f = new ContainerFixture();
        RuntimeHandlers handlers = new RuntimeHandlers(f.config.runtime());
        HostFacts host = new HostFacts(-1000, Set.of(), false, false, "amd64", Path.of("/dev"));
        PodService pods = new PodService(f.config, f.store, handlers, f.runtimes, null, host);
        service = new ContainerService(f.config, f.store, pods, new ImageService(f.config, f.store), handlers, f.runtimes,
                host);
        service.observe(new ContainerObserver() {
            @Override
            public void changed(Container c) {
                events.add("changed " + c.id());
            }

            @Override
            public void removed(Container c) {
                events.add("removed " + c.id());
            }
        });
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    private static void assertRefused(ThrowingCallable call, HakoException.Kind kind, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(kind))
                .hasMessage(message);
    }

    private Path bundles() {
        return f.config.state().resolve("containers");
    }

    private Path layers() {
        return f.config.root().resolve("containers");
    }

    @Test
    void theServiceMakesBothContainerDirectories0700() throws Exception {
        assertThat(Modes.mode(bundles())).isEqualTo(0700);
        assertThat(Modes.mode(layers())).isEqualTo(0700);
    }

    @Test
    void aCreateInAnUnknownPodIsNotFoundAndLeavesNothing() throws Exception {
        assertRefused(() -> service.create("nope", ContainerFixture.config("app", 0)), HakoException.Kind.NOT_FOUND,
                "pod sandbox nope not found");
        ContainerRecords records = new ContainerRecords(f.store);
        assertThat(records.all()).isEmpty();
        assertThat(records.creating()).isEmpty();
        try (var b = Files.list(bundles()); var l = Files.list(layers())) {
            assertThat(b).isEmpty();
            assertThat(l).isEmpty();
        }
        assertThat(events).isEmpty();
    }

    @Test
    void containersAreFoundByIdOrAUniquePrefixOfFourOrMore() {
        f.insert(f.row(f.container("abcd1111", Container.State.RUNNING, "runc")));
        f.insert(f.row(f.container("abcd2222", Container.State.RUNNING, "runc")));
        assertThat(service.get("abcd1111").id()).isEqualTo("abcd1111");
        assertThat(service.get("abcd2").id()).isEqualTo("abcd2222");
        assertRefused(() -> service.get("abcd"), HakoException.Kind.INVALID_ARGUMENT,
                "container_id: \"abcd\" matches 2 containers");
        assertRefused(() -> service.get("abc"), HakoException.Kind.NOT_FOUND, "container \"abc\" does not exist");
        assertRefused(() -> service.get("zzzz"), HakoException.Kind.NOT_FOUND, "container \"zzzz\" does not exist");
    }

    @Test
    void anIntentIsNeitherListedNorFound() {
        f.insert(ContainerRecords.intent(f.row(f.container("half", Container.State.CREATED, "runc"))));
        assertThat(service.list()).isEmpty();
        assertRefused(() -> service.get("half"), HakoException.Kind.NOT_FOUND, "container \"half\" does not exist");
    }

    @Test
    void listAndGetApplyExitFilesAndStoreThem() throws Exception {
        f.insert(f.row(f.container("c1", Container.State.RUNNING, "runc")));
        f.insert(f.row(f.container("c2", Container.State.RUNNING, "runc")));
        f.exitFile("c1", 2);
        assertThat(service.list()).extracting(Container::id, Container::state, Container::reason).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("c1", Container.State.EXITED, "Error"),
                org.assertj.core.groups.Tuple.tuple("c2", Container.State.RUNNING, ""));
        assertThat(new ContainerRecords(f.store).byId("c1").orElseThrow().state()).isEqualTo("EXITED");
    }

    @Test
    void requestsAContainersStateForbidsAreFailedPreconditions() {
        Container exited = f.container("c1", Container.State.RUNNING, "runc")
                .exited(1, Instant.parse("2026-01-02T04:00:00Z"), "Error", "");
        f.insert(f.row(exited));
        assertRefused(() -> service.start("c1"), HakoException.Kind.FAILED_PRECONDITION,
                "container c1 is exited, only a created container can be started");
        assertRefused(() -> service.execSync("c1", List.of("true"), 1), HakoException.Kind.FAILED_PRECONDITION,
                "container c1 is not running");
        assertRefused(() -> service.reopenLog("c1"), HakoException.Kind.FAILED_PRECONDITION,
                "container c1 is not running; its log cannot be reopened");
        assertRefused(() -> service.updateResources("c1", LinuxContainerResources.getDefaultInstance()),
                HakoException.Kind.FAILED_PRECONDITION, "container c1 is not running; its resources cannot change");
        assertThatCode(() -> service.stop("c1", 10)).doesNotThrowAnyException(); // exited: left as is
        assertThat(service.get("c1")).isEqualTo(exited);
    }

    @Test
    void anExecWithoutACommandIsAnInvalidArgumentNamingCmd() throws Exception {
        f.insert(f.row(f.container("c1", Container.State.RUNNING, "runc")));
        assertRefused(() -> service.execSync("c1", List.of(), 1), HakoException.Kind.INVALID_ARGUMENT,
                "cmd: no command given");
    }

    @Test
    void unknownContainersAreNotFoundExceptForRemove() {
        assertRefused(() -> service.start("gone"), HakoException.Kind.NOT_FOUND, "container \"gone\" does not exist");
        assertRefused(() -> service.stop("gone", 1), HakoException.Kind.NOT_FOUND, "container \"gone\" does not exist");
        assertRefused(() -> service.execSync("gone", List.of("true"), 1), HakoException.Kind.NOT_FOUND,
                "container \"gone\" does not exist");
        assertThatCode(() -> service.remove("gone")).doesNotThrowAnyException();
    }

    @Test
    void removeTakesTheRuntimeObjectTheDirectoriesAndTheRecord() throws Exception {
        // runc's "delete --force c1" finds no such container, which is success
        Container c = f.container("c1", Container.State.RUNNING, "runc")
                .exited(0, Instant.parse("2026-01-02T04:00:00Z"), "Completed", "");
        f.insert(f.row(c));
        Files.createDirectories(c.bundle());
        Files.createDirectories(layers().resolve("c1/upper"));

        service.removeContainers(ContainerFixture.POD);

        assertThat(c.bundle()).doesNotExist();
        assertThat(layers().resolve("c1")).doesNotExist();
        assertThat(new ContainerRecords(f.store).byId("c1")).isEmpty();
        assertThat(events).containsExactly("removed c1");
    }

    @Test
    void theSpecIsReadFromTheBundle() throws Exception {
        Container c = f.container("c1", Container.State.CREATED, "runc");
        assertThat(service.spec(c)).isEmpty();
        Files.createDirectories(c.bundle());
        Files.writeString(c.bundle().resolve("config.json"), "{\"ociVersion\":\"1.2.0\"}");
        assertThat(new String(service.spec(c))).isEqualTo("{\"ociVersion\":\"1.2.0\"}");
    }
}
