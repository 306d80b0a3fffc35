package dev.hako.image.registry;

import static dev.hako.image.registry.Fixtures.basic;
import static dev.hako.image.registry.Fixtures.client;
import static dev.hako.image.registry.Fixtures.insecure;
import static dev.hako.image.registry.Fixtures.mirrored;
import static dev.hako.image.registry.Fixtures.readAll;
import static dev.hako.image.registry.Fixtures.ref;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.hako.config.ConfigLoader;
import dev.hako.config.RegistryConfig;
import dev.hako.error.HakoException;
import dev.hako.error.HakoException.Kind;
import dev.hako.image.spec.Digest;
import dev.hako.image.spec.ImageReference;
import dev.hako.testing.registry.RegistryFront;
import dev.hako.testing.registry.RegistryPusher;
import dev.hako.testing.registry.RegistryServer;
import dev.hako.testing.registry.TestCa;
import dev.hako.testing.registry.PushedIndex;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Mirrors, fallback to the host, redirects and retries, with real registries behind counting fronts. */
class RegistryEndpointsIT {
    private static RegistryServer full;
    private static PushedIndex image;
    private static RegistryServer empty;

    @BeforeAll
    static void start() {
        full = RegistryServer.plain();
        image = PushedIndex.push(new RegistryPusher(full), "library/tiny", "1.0");
        empty = RegistryServer.plain();
    }

    @AfterAll
    static void stop() {
        full.close();
        empty.close();
    }

    @Test
    void theMirrorIsTriedFirstAndTheHostIsNotContactedWhenItHasTheImage() {
        try (RegistryFront host = RegistryFront.forwardingTo(empty);
                RegistryClient c = client(mirrored(host.host(), true, true, full.baseUri()))) {
            ImageReference ref = ref(host.host(), "library/tiny", "1.0");
            FetchedManifest m = c.fetchManifest(ref, "1.0", RegistryAuth.NONE);
            assertThat(m.digest()).isEqualTo(image.index());
            assertThat(m.endpoint()).isEqualTo(full.baseUri().toString());
            Digest layer = image.platform("amd64").layer();
            BlobStream blob = c.openBlob(ref, layer, RegistryAuth.NONE);
            assertThat(blob.endpoint()).isEqualTo(full.baseUri().toString());
            assertThat(readAll(blob)).isEqualTo(image.bytes(layer));
            assertThat(host.requests()).isZero();
        }
    }

    @Test
    void aMirrorWithoutTheImageFallsBackToTheHost() {
        try (RegistryFront host = RegistryFront.forwardingTo(full);
                RegistryClient c = client(mirrored(host.host(), true, true, empty.baseUri()))) {
            FetchedManifest m = c.fetchManifest(ref(host.host(), "library/tiny", "1.0"), "1.0", RegistryAuth.NONE);
            assertThat(m.digest()).isEqualTo(image.index());
            assertThat(m.endpoint()).isEqualTo("http://" + host.host());
            assertThat(host.requestLog()).containsExactly("GET /v2/library/tiny/manifests/1.0 -> 200");
        }
    }

    @Test
    void withoutFallbackAMissingImageIsNotFoundAtTheMirrorAndTheHostIsNeverContacted() {
        try (RegistryFront host = RegistryFront.forwardingTo(full);
                RegistryClient c = client(mirrored(host.host(), true, false, empty.baseUri()))) {
            assertThatThrownBy(() -> c.fetchManifest(ref(host.host(), "library/tiny", "1.0"), "1.0", RegistryAuth.NONE))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
                    .hasMessage("pulling manifest " + host.host() + "/library/tiny:1.0: " + empty.baseUri()
                            + " (mirror): 404 Not Found (manifest unknown)");
            assertThat(host.requests()).isZero();
        }
    }

    @Test
    void everyEndpointIsNamedWithItsOutcome_andAuthErrorsDecideTheKind() {
        try (RegistryServer locked = RegistryServer.basicAuth("u", "p");
                RegistryClient c = client(mirrored(locked.host(), true, true, empty.baseUri()))) {
            assertThatThrownBy(() -> c.fetchManifest(ref(locked.host(), "library/busybox", "1.36"), "1.36", RegistryAuth.NONE))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAUTHENTICATED))
                    .hasMessage("pulling manifest " + locked.host() + "/library/busybox:1.36: " + empty.baseUri()
                            + " (mirror): 404 Not Found (manifest unknown); http://" + locked.host()
                            + ": 401 Unauthorized (the registry asks for a username and password; none were given)");
        }
    }

    @Test
    void aMirrorUrlMayCarryAPathPrefix() {
        try (RegistryFront prefixed = RegistryFront.forwardingTo(full).pathPrefix("/cache/hub")) {
            for (String url : List.of(prefixed.baseUri() + "/cache/hub", prefixed.baseUri() + "/cache/hub/v2/")) {
                try (RegistryClient c = client(mirrored("docker.io", false, false, URI.create(url)))) {
                    ImageReference ref = ImageReference.parse("tiny:1.0", "image");
                    FetchedManifest m = c.fetchManifest(ref, "1.0", RegistryAuth.NONE);
                    assertThat(m.digest()).isEqualTo(image.index());
                    assertThat(m.endpoint()).isEqualTo(prefixed.baseUri() + "/cache/hub");
                }
            }
            assertThat(prefixed.requestLog()).allMatch(line -> line.startsWith("GET /cache/hub/v2/library/tiny/manifests/1.0"));
        }
    }

    @Test
    void theHostsCaFileAndInsecureApplyToItsMirrors() throws Exception {
        TestCa ca = TestCa.create();
        try (RegistryServer tlsMirror = RegistryServer.tls(ca)) {
            PushedIndex img = PushedIndex.push(new RegistryPusher(tlsMirror), "library/tiny", "1.0");
            String host = "127.0.0.1:" + RegistryClientIT.closedPort();
            RegistryConfig withCa = ConfigLoader.fromToml("""
                    [image.registries."%s"]
                    mirrors = ["%s"]
                    ca_file = "%s"
                    fallback = false
                    """.formatted(host, tlsMirror.baseUri(), ca.caCertPem()), null).image().registries().get(host);
            try (RegistryClient c = client(withCa)) {
                assertThat(c.fetchManifest(ref(host, "library/tiny", "1.0"), "1.0", RegistryAuth.NONE).digest()).isEqualTo(img.index());
            }
            try (RegistryClient c = client(mirrored(host, true, false, tlsMirror.baseUri()))) {
                assertThat(c.fetchManifest(ref(host, "library/tiny", "1.0"), "1.0", RegistryAuth.NONE).digest()).isEqualTo(img.index());
            }
            try (RegistryClient c = client(mirrored(host, false, false, tlsMirror.baseUri()))) {
                assertThatThrownBy(() -> c.fetchManifest(ref(host, "library/tiny", "1.0"), "1.0", RegistryAuth.NONE))
                        .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
                        .hasMessageContaining(tlsMirror.baseUri() + " (mirror): TLS handshake failed");
            }
        }
    }

    @Test
    void blobRedirectsAreFollowed() {
        try (RegistryFront front = RegistryFront.forwardingTo(full).redirectBlobs();
                RegistryClient c = client(insecure(front.host()))) {
            ImageReference ref = ref(front.host(), "library/tiny", "1.0");
            Digest layer = image.platform("arm64").layer();
            BlobStream blob = c.openBlob(ref, layer, RegistryAuth.NONE);
            assertThat(blob.endpoint()).isEqualTo("http://" + front.host());
            assertThat(readAll(blob)).isEqualTo(image.bytes(layer));
            assertThat(front.requestLog()).containsExactly("GET /v2/library/tiny/blobs/" + layer + " -> 307");
        }
    }

    @Test
    void credentialsAreNotSentToARedirectTargetOnAnotherHost() throws Exception {
        Digest layer = image.platform("amd64").layer();
        List<String> seen = new CopyOnWriteArrayList<>();
        HttpServer storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        storage.createContext("/", ex -> {
            seen.add(ex.getRequestURI() + " authorization=" + ex.getRequestHeaders().getFirst("Authorization"));
            byte[] body = image.bytes(layer);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        storage.start();
        try (RegistryServer locked = RegistryServer.basicAuth("u", "p");
                RegistryFront front = RegistryFront.forwardingTo(locked)
                        .redirectBlobs(URI.create("http://localhost:" + storage.getAddress().getPort()));
                RegistryClient c = client(insecure(front.host()))) {
            PushedIndex.push(new RegistryPusher(locked).withCredentials("u", "p"), "library/tiny", "1.0");
            ImageReference ref = ref(front.host(), "library/tiny", "1.0");
            c.fetchManifest(ref, "1.0", basic("u", "p")); // the registry asks; the Basic credentials get cached
            assertThat(readAll(c.openBlob(ref, layer, basic("u", "p")))).isEqualTo(image.bytes(layer));
            assertThat(seen).containsExactly("/v2/library/tiny/blobs/" + layer + " authorization=null");
        } finally {
            storage.stop(0);
        }
    }

    @Test
    void transientServerErrorsAreRetriedAndThenSucceed() {
        try (RegistryFront front = RegistryFront.forwardingTo(full).failFirst(2, 503);
                RegistryClient c = client(mirrored(full.host(), false, false, front.baseUri()))) {
            FetchedManifest m = c.fetchManifest(ref(full.host(), "library/tiny", "1.0"), "1.0", RegistryAuth.NONE);
            assertThat(m.digest()).isEqualTo(image.index());
            assertThat(front.requestLog()).containsExactly(
                    "GET /v2/library/tiny/manifests/1.0 -> 503",
                    "GET /v2/library/tiny/manifests/1.0 -> 503",
                    "GET /v2/library/tiny/manifests/1.0 -> 200");
        }
    }

    @Test
    void afterThreeServerErrorsTheEndpointGivesUp() {
        try (RegistryFront front = RegistryFront.forwardingTo(full).failFirst(5, 500);
                RegistryClient c = client(mirrored(full.host(), false, false, front.baseUri()))) {
            Digest layer = image.platform("amd64").layer();
            assertThatThrownBy(() -> c.openBlob(ref(full.host(), "library/tiny", "1.0"), layer, RegistryAuth.NONE))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
                    .hasMessage("pulling blob " + full.host() + "/library/tiny@" + layer + ": " + front.baseUri()
                            + " (mirror): 500 Internal Server Error (injected failure) (after 3 attempts)");
            assertThat(front.requests()).isEqualTo(3);
        }
    }

    @Test
    void notFoundIsNotRetried() {
        try (RegistryFront front = RegistryFront.forwardingTo(empty);
                RegistryClient c = client(mirrored(empty.host(), false, false, front.baseUri()))) {
            assertThatThrownBy(() -> c.openBlob(ref(empty.host(), "library/tiny", "1.0"), image.platform("amd64").layer(),
                    RegistryAuth.NONE))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND));
            assertThat(front.requests()).isEqualTo(1);
        }
    }

    @Test
    void anUnreachableMirrorFallsBackToTheHost() {
        String deadMirror = "http://127.0.0.1:" + RegistryClientIT.closedPort();
        try (RegistryClient c = client(mirrored(full.host(), true, true, URI.create(deadMirror)))) {
            FetchedManifest m = c.fetchManifest(ref(full.host(), "library/tiny", "1.0"), "1.0", RegistryAuth.NONE);
            assertThat(m.endpoint()).isEqualTo("http://" + full.host());
        }
    }
}
