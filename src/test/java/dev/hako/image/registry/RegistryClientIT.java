package dev.hako.image.registry;

import static dev.hako.image.registry.Fixtures.client;
import static dev.hako.image.registry.Fixtures.insecure;
import static dev.hako.image.registry.Fixtures.readAll;
import static dev.hako.image.registry.Fixtures.ref;
import static dev.hako.image.registry.Fixtures.withCa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.config.ImageSettings;
import dev.hako.config.RegistryConfig;
import dev.hako.error.HakoException;
import dev.hako.error.HakoException.Kind;
import dev.hako.image.spec.Digest;
import dev.hako.image.spec.ImageReference;
import dev.hako.image.spec.MediaTypes;
import dev.hako.testing.registry.RegistryPusher;
import dev.hako.testing.registry.RegistryServer;
import dev.hako.testing.registry.TestCa;
import dev.hako.testing.registry.PushedIndex;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Manifests and blobs from real registries over plain HTTP and TLS, and content checks. */
class RegistryClientIT {
    private static RegistryServer plain;
    private static PushedIndex image;
    private static TestCa ca;
    private static RegistryServer tls;
    private static PushedIndex tlsImage;

    @BeforeAll
    static void start() {
        plain = RegistryServer.plain();
        image = PushedIndex.push(new RegistryPusher(plain), "library/tiny", "1.0");
        ca = TestCa.create();
        tls = RegistryServer.tls(ca);
        tlsImage = PushedIndex.push(new RegistryPusher(tls), "team/tiny", "v2");
    }

    @AfterAll
    static void stop() {
        plain.close();
        tls.close();
    }

    @Test
    void fetchesTheIndexByTagAndEachManifestByDigestOverPlainHttp() {
        try (RegistryClient c = client(insecure(plain.host()))) {
            ImageReference ref = ref(plain.host(), "library/tiny", "1.0");
            FetchedManifest index = c.fetchManifest(ref, "1.0", RegistryAuth.NONE);
            assertThat(index.mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
            assertThat(index.digest()).isEqualTo(image.index());
            assertThat(index.body()).isEqualTo(image.bytes(image.index()));
            assertThat(index.endpoint()).isEqualTo("http://" + plain.host());
            for (PushedIndex.Platform p : image.platforms()) {
                FetchedManifest m = c.fetchManifest(ref, p.manifest().toString(), RegistryAuth.NONE);
                assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
                assertThat(m.digest()).isEqualTo(p.manifest());
                assertThat(m.body()).isEqualTo(image.bytes(p.manifest()));
            }
        }
    }

    @Test
    void fetchesAPlatformManifestByTag() {
        try (RegistryClient c = client(insecure(plain.host()))) {
            PushedIndex.Platform arm = image.platform("arm64");
            FetchedManifest m = c.fetchManifest(ref(plain.host(), "library/tiny", "1.0"), "1.0-arm64", RegistryAuth.NONE);
            assertThat(m.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
            assertThat(m.digest()).isEqualTo(arm.manifest());
        }
    }

    @Test
    void streamsBlobsByDigest() {
        try (RegistryClient c = client(insecure(plain.host()))) {
            ImageReference ref = ref(plain.host(), "library/tiny", "1.0");
            PushedIndex.Platform amd = image.platform("amd64");
            for (Digest d : List.of(amd.layer(), amd.config())) {
                BlobStream blob = c.openBlob(ref, d, RegistryAuth.NONE);
                assertThat(blob.length()).isEqualTo(image.bytes(d).length);
                assertThat(blob.endpoint()).isEqualTo("http://" + plain.host());
                assertThat(readAll(blob)).isEqualTo(image.bytes(d));
            }
        }
    }

    @Test
    void aMissingTagIsNotFoundAndNamesTheEndpoint() {
        try (RegistryClient c = client(insecure(plain.host()))) {
            assertThatThrownBy(() -> c.fetchManifest(ref(plain.host(), "library/tiny", "nope"), "nope", RegistryAuth.NONE))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.NOT_FOUND))
                    .hasMessage("pulling manifest " + plain.host() + "/library/tiny:nope: http://" + plain.host()
                            + ": 404 Not Found (manifest unknown)");
        }
    }

    @Test
    void aManifestWhoseBodyDoesNotMatchTheRequestedDigestIsDataLoss() throws Exception {
        try (RegistryServer r = RegistryServer.plain(); RegistryClient c = client(insecure(r.host()))) {
            PushedIndex img = PushedIndex.push(new RegistryPusher(r), "corrupt/me", "1");
            Digest manifest = img.platform("amd64").manifest();
            // same JSON with different bytes, so the registry still serves it
            String tampered = new String(img.bytes(manifest), StandardCharsets.UTF_8) + " ";
            Files.writeString(r.blobData(manifest), tampered);
            Digest actual = Digest.sha256(tampered.getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> c.fetchManifest(ref(r.host(), "corrupt/me", "1"), manifest.toString(), RegistryAuth.NONE))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.DATA_LOSS))
                    .hasMessageContaining("pulling manifest " + r.host() + "/corrupt/me@" + manifest)
                    .hasMessageContaining(manifest.toString())
                    .hasMessageContaining(actual.toString());
        }
    }

    @Test
    void tlsWithTheCaFileOfTheHost() {
        try (RegistryClient c = client(withCa(tls.host(), ca.caCertPem()))) {
            ImageReference ref = ref(tls.host(), "team/tiny", "v2");
            FetchedManifest index = c.fetchManifest(ref, "v2", RegistryAuth.NONE);
            assertThat(index.digest()).isEqualTo(tlsImage.index());
            assertThat(index.endpoint()).isEqualTo("https://" + tls.host());
            Digest layer = tlsImage.platform("amd64").layer();
            assertThat(readAll(c.openBlob(ref, layer, RegistryAuth.NONE))).isEqualTo(tlsImage.bytes(layer));
        }
    }

    @Test
    void tlsWithoutTheCaFileFailsClearlyAndAtOnce() {
        try (RegistryClient c = client()) {
            assertThatThrownBy(() -> c.fetchManifest(ref(tls.host(), "team/tiny", "v2"), "v2", RegistryAuth.NONE))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
                    .hasMessageStartingWith("pulling manifest " + tls.host() + "/team/tiny:v2: https://" + tls.host()
                            + ": TLS handshake failed: ")
                    .hasMessageContaining("set ca_file (or insecure) in [image.registries.\"" + tls.host() + "\"]")
                    .hasMessageNotContaining("attempts");
        }
    }

    @Test
    void insecureSkipsCertificateVerificationOnTls() {
        try (RegistryClient c = client(insecure(tls.host()))) {
            FetchedManifest index = c.fetchManifest(ref(tls.host(), "team/tiny", "v2"), "v2", RegistryAuth.NONE);
            assertThat(index.digest()).isEqualTo(tlsImage.index());
            assertThat(index.endpoint()).isEqualTo("https://" + tls.host());
        }
    }

    @Test
    void aCaFileDoesNotAllowPlainHttp() {
        try (RegistryClient c = client(withCa(plain.host(), ca.caCertPem()))) {
            assertThatThrownBy(() -> c.fetchManifest(ref(plain.host(), "library/tiny", "1.0"), "1.0", RegistryAuth.NONE))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
                    .hasMessageContaining("https://" + plain.host() + ": TLS handshake failed");
        }
    }

    @Test
    void aHostWithoutTableIsHttpsOnly_andDockerHubUsesItsApiHost() {
        try (RegistryClient c = new RegistryClient(new ImageSettings(3, Map.of()))) {
            assertThat(c.endpoints("docker.io")).extracting(ep -> ep.label(false)).containsExactly("https://registry-1.docker.io");
            assertThat(c.endpoints("127.0.0.1:5000")).extracting(ep -> ep.label(false)).containsExactly("https://127.0.0.1:5000");
        }
        RegistryConfig hub = new RegistryConfig("docker.io",
                List.of(URI.create("https://m1.example/"), URI.create("http://user:pw@m2.example:5000/prefix/v2/")), false, null, true);
        try (RegistryClient c = new RegistryClient(new ImageSettings(3, Map.of("docker.io", hub)))) {
            assertThat(c.endpoints("docker.io")).extracting(ep -> ep.label(false))
                    .containsExactly("https://m1.example (mirror)", "http://m2.example:5000/prefix (mirror)",
                            "https://registry-1.docker.io");
            assertThat(c.endpoints("docker.io").get(1).url(false, "library/busybox", "manifests/1.36"))
                    .isEqualTo(URI.create("http://m2.example:5000/prefix/v2/library/busybox/manifests/1.36"));
        }
    }

    @Test
    void aReferenceThatIsNeitherTagNorDigestIsRefused() {
        try (RegistryClient c = client(insecure(plain.host()))) {
            assertThatThrownBy(() -> c.fetchManifest(ref(plain.host(), "library/tiny", "1.0"), "../x", RegistryAuth.NONE))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_ARGUMENT));
        }
    }

    @Test
    void anUnreachableHostIsUnavailableAfterThreeAttempts() {
        String host = "127.0.0.1:" + closedPort();
        try (RegistryClient c = client(insecure(host))) {
            assertThatThrownBy(() -> c.openBlob(ref(host, "a/b", "1"), image.platform("amd64").layer(), RegistryAuth.NONE))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
                    .hasMessage("pulling blob " + host + "/a/b@" + image.platform("amd64").layer() + ": https://" + host
                            + ": connection refused (after 3 attempts)");
        }
    }

    static int closedPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
