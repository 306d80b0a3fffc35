package dev.hako.image.registry;

import static dev.hako.image.registry.Fixtures.basic;
import static dev.hako.image.registry.Fixtures.client;
import static dev.hako.image.registry.Fixtures.insecure;
import static dev.hako.image.registry.Fixtures.readAll;
import static dev.hako.image.registry.Fixtures.ref;
import static dev.hako.image.registry.Fixtures.withCa;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import dev.hako.error.HakoException.Kind;
import dev.hako.image.spec.Digest;
import dev.hako.image.spec.ImageReference;
import dev.hako.image.spec.MediaTypes;
import dev.hako.testing.registry.HostileRegistry;
import dev.hako.testing.registry.PushedIndex;
import dev.hako.testing.registry.RegistryFront;
import dev.hako.testing.registry.RegistryPusher;
import dev.hako.testing.registry.RegistryServer;
import dev.hako.testing.registry.TestCa;
import dev.hako.testing.registry.TokenServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the registry client lends to whom: credentials never cross a change of scheme, host or port
 * (and never ride an https→http redirect), Basic credentials never go to a plain-http token realm
 * the operator did not mark insecure, and an insecure registry's trust-anything TLS serves that
 * exact host:port only, not the hosts it redirects to nor its token realm.
 */
class RegistryTrustIT {
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret-pw";
    private static final byte[] MANIFEST = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST
            + "\",\"config\":{\"mediaType\":\"" + MediaTypes.OCI_CONFIG + "\",\"digest\":\"sha256:" + "1".repeat(64)
            + "\",\"size\":2},\"layers\":[]}").getBytes(StandardCharsets.UTF_8);
    private static TestCa ca;

    @BeforeAll
    static void start() {
        ca = TestCa.create();
    }

    @AfterAll
    static void stop() {
        // the CA's files go with the JVM
    }

    /**
     * A TLS registry (also speaking plain HTTP on its port) that wants Basic credentials and then
     * redirects the manifest to plain http on the same host and port, where it serves it to anyone.
     */
    private static HostileRegistry downgrading() {
        HostileRegistry r = HostileRegistry.tls(ca);
        r.on("/v2/app/manifests/1", (q, resp) -> {
            if (!q.tls()) {
                resp.send(200, MediaTypes.OCI_MANIFEST, MANIFEST);
            } else if (q.header("Authorization") == null) {
                resp.send(401, "application/json", "{}".getBytes(StandardCharsets.UTF_8),
                        "WWW-Authenticate", "Basic realm=\"test\"");
            } else {
                resp.head(307, "Location", "http://" + r.host() + "/v2/app/manifests/1", "Content-Length", "0");
            }
        });
        return r;
    }

    @Test
    void anHttpsToHttpRedirectIsRefusedAndNothingGoesOutInClearText() {
        try (HostileRegistry r = downgrading(); RegistryClient c = client(withCa(r.host(), ca.caCertPem()))) {
            assertThatThrownBy(() -> c.fetchManifest(ref(r.host(), "app", "1"), "1", basic(USER, PASSWORD)))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
                    .hasMessageContaining("redirect from https to plain http://" + r.host() + " refused");
            assertThat(r.requests()).allSatisfy(q -> assertThat(q.tls()).isTrue());
        }
    }

    @Test
    void anInsecureRegistryMayRedirectToHttpButTheCredentialsStayBehind() {
        try (HostileRegistry r = downgrading(); RegistryClient c = client(insecure(r.host()))) {
            FetchedManifest m = c.fetchManifest(ref(r.host(), "app", "1"), "1", basic(USER, PASSWORD));
            assertThat(m.body()).isEqualTo(MANIFEST);
            assertThat(r.requests()).filteredOn(q -> !q.tls()).hasSize(1)
                    .allSatisfy(q -> assertThat(q.header("Authorization")).isNull());
            assertThat(r.requests()).filteredOn(q -> q.tls() && q.header("Authorization") != null).isNotEmpty();
        }
    }

    @Test
    void basicCredentialsAreNotSentToAPlainHttpTokenRealmUnlessItsHostIsInsecure() {
        try (TokenServer tokens = TokenServer.start(USER, PASSWORD); RegistryServer registry = RegistryServer.tokenAuth(tokens)) {
            PushedIndex img = PushedIndex.push(new RegistryPusher(registry).withCredentials(USER, PASSWORD), "private/app", "1");
            ImageReference ref = ref(registry.host(), "private/app", "1");
            int before = tokens.tokenRequests();
            // the registry's own insecure = true is not the realm's: a different port is a different host
            try (RegistryClient c = client(insecure(registry.host()))) {
                assertThatThrownBy(() -> c.fetchManifest(ref, "1", basic(USER, PASSWORD)))
                        .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.FAILED_PRECONDITION))
                        .hasMessageContaining("token service http://" + tokens.realm().getRawAuthority()
                                + " is plain http: credentials are not sent there unless [image.registries.\""
                                + tokens.realm().getRawAuthority() + "\"] sets insecure = true")
                        .hasMessageNotContaining(PASSWORD);
                assertThatThrownBy(() -> c.fetchManifest(ref, "1", new RegistryAuth("", "", "", tokens.identityToken(), "")))
                        .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.FAILED_PRECONDITION));
            }
            assertThat(tokens.tokenRequests()).isEqualTo(before);
            try (RegistryClient c = client(insecure(registry.host()), insecure(tokens.realm().getRawAuthority()))) {
                assertThat(c.fetchManifest(ref, "1", basic(USER, PASSWORD)).digest()).isEqualTo(img.index());
            }
        }
    }

    @Test
    void anInsecureRegistrysTrustIsNotLentToTheHostItRedirectsBlobsTo() throws Exception {
        TestCa storageCa = TestCa.create();
        try (RegistryServer storage = RegistryServer.tls(storageCa);
                RegistryFront front = RegistryFront.forwardingTo(storage).redirectBlobs()) {
            PushedIndex img = PushedIndex.push(new RegistryPusher(storage), "library/tiny", "1");
            ImageReference ref = ref(front.host(), "library/tiny", "1");
            Digest layer = img.platform("amd64").layer();
            try (RegistryClient c = client(insecure(front.host()))) {
                assertThatThrownBy(() -> readAll(c.openBlob(ref, layer, RegistryAuth.NONE)))
                        .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
                        .hasMessageContaining("server certificate not trusted");
            }
            // the storage host's own table is what it gets
            try (RegistryClient c = client(insecure(front.host()), withCa(storage.host(), storageCa.caCertPem()))) {
                assertThat(readAll(c.openBlob(ref, layer, RegistryAuth.NONE))).isEqualTo(img.bytes(layer));
            }
        }
    }

    @Test
    void anInsecureRegistrysTrustIsNotLentToItsTokenRealmOnAnotherHost() {
        TestCa realmCa = TestCa.create();
        try (HostileRegistry realm = HostileRegistry.tls(realmCa); HostileRegistry registry = HostileRegistry.plain()) {
            realm.on("/token", (q, r) -> r.send(200, "application/json",
                    "{\"token\":\"granted\",\"expires_in\":300}".getBytes(StandardCharsets.UTF_8)));
            registry.on("/v2/app/manifests/1", (q, r) -> {
                if ("Bearer granted".equals(q.header("Authorization"))) {
                    r.send(200, MediaTypes.OCI_MANIFEST, MANIFEST);
                } else {
                    r.send(401, "application/json", "{}".getBytes(StandardCharsets.UTF_8), "WWW-Authenticate",
                            "Bearer realm=\"" + URI.create("https://" + realm.host() + "/token") + "\",service=\"test\"");
                }
            });
            ImageReference ref = ref(registry.host(), "app", "1");
            try (RegistryClient c = client(insecure(registry.host()))) {
                assertThatThrownBy(() -> c.fetchManifest(ref, "1", RegistryAuth.NONE))
                        .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.UNAVAILABLE))
                        .hasMessageContaining("token service https://" + realm.host() + ": TLS handshake failed")
                        .hasMessageContaining("server certificate not trusted");
            }
            assertThat(realm.requests()).isEmpty();
            try (RegistryClient c = client(insecure(registry.host()), withCa(realm.host(), realmCa.caCertPem()))) {
                assertThat(c.fetchManifest(ref, "1", RegistryAuth.NONE).body()).isEqualTo(MANIFEST);
            }
        }
    }
}
