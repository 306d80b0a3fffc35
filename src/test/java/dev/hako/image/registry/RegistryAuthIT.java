package dev.hako.image.registry;

import static dev.hako.image.registry.Fixtures.basic;
import static dev.hako.image.registry.Fixtures.client;
import static dev.hako.image.registry.Fixtures.insecure;
import static dev.hako.image.registry.Fixtures.readAll;
import static dev.hako.image.registry.Fixtures.ref;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import dev.hako.error.HakoException.Kind;
import dev.hako.image.spec.ImageReference;
import dev.hako.testing.registry.RegistryPusher;
import dev.hako.testing.registry.RegistryServer;
import dev.hako.testing.registry.PushedIndex;
import dev.hako.testing.registry.TokenServer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Basic and Bearer-token authentication against real registries; secrets never show in errors. */
class RegistryAuthIT {
    private static final String USER = "alice";
    private static final String PASSWORD = "s3cret-pw";
    private static RegistryServer basicRegistry;
    private static PushedIndex basicImage;
    private static TokenServer tokens;
    private static RegistryServer tokenRegistry;
    private static PushedIndex tokenImage;

    @BeforeAll
    static void start() {
        basicRegistry = RegistryServer.basicAuth(USER, PASSWORD);
        basicImage = PushedIndex.push(new RegistryPusher(basicRegistry).withCredentials(USER, PASSWORD), "private/app", "1");
        tokens = TokenServer.start(USER, PASSWORD);
        tokenRegistry = RegistryServer.tokenAuth(tokens);
        tokenImage = PushedIndex.push(new RegistryPusher(tokenRegistry).withCredentials(USER, PASSWORD), "private/app", "1");
    }

    @AfterAll
    static void stop() {
        basicRegistry.close();
        tokenRegistry.close();
        tokens.close();
    }

    /** The token service is plain http too: it must be marked insecure itself to receive credentials. */
    private static RegistryClient tokenClient() {
        return client(insecure(tokenRegistry.host()), insecure(tokens.realm().getRawAuthority()));
    }

    private static HakoException failure(Runnable pull) {
        try {
            pull.run();
        } catch (HakoException e) {
            assertThat(e.getMessage()).doesNotContain(PASSWORD).doesNotContain("Basic ").doesNotContain("Bearer ey");
            return e;
        }
        throw new AssertionError("the pull succeeded");
    }

    @Test
    void basicAuthWithUsernameAndPassword() {
        try (RegistryClient c = client(insecure(basicRegistry.host()))) {
            ImageReference ref = ref(basicRegistry.host(), "private/app", "1");
            assertThat(c.fetchManifest(ref, "1", basic(USER, PASSWORD)).digest()).isEqualTo(basicImage.index());
            var layer = basicImage.platform("amd64").layer();
            assertThat(readAll(c.openBlob(ref, layer, basic(USER, PASSWORD)))).isEqualTo(basicImage.bytes(layer));
        }
    }

    @Test
    void basicAuthWithTheEncodedAuthField() {
        String encoded = Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        try (RegistryClient c = client(insecure(basicRegistry.host()))) {
            FetchedManifest m = c.fetchManifest(ref(basicRegistry.host(), "private/app", "1"), "1",
                    new RegistryAuth("", "", encoded, "", ""));
            assertThat(m.digest()).isEqualTo(basicImage.index());
        }
    }

    @Test
    void aWrongPasswordIsUnauthenticatedAndNamesTheEndpoint() {
        try (RegistryClient c = client(insecure(basicRegistry.host()))) {
            HakoException e = failure(() -> c.fetchManifest(ref(basicRegistry.host(), "private/app", "1"), "1",
                    basic(USER, "wrong-" + PASSWORD)));
            assertThat(e.kind()).isEqualTo(Kind.UNAUTHENTICATED);
            assertThat(e.getMessage()).startsWith("pulling manifest " + basicRegistry.host() + "/private/app:1: http://"
                    + basicRegistry.host() + ": 401 Unauthorized");
        }
    }

    @Test
    void anonymousAgainstBasicAuthSaysNoCredentialsWereGiven() {
        try (RegistryClient c = client(insecure(basicRegistry.host()))) {
            HakoException e = failure(() -> c.fetchManifest(ref(basicRegistry.host(), "private/app", "1"), "1", RegistryAuth.NONE));
            assertThat(e.kind()).isEqualTo(Kind.UNAUTHENTICATED);
            assertThat(e.getMessage()).contains("http://" + basicRegistry.host() + ": 401 Unauthorized")
                    .contains("none were given");
        }
    }

    @Test
    void anAuthFieldThatIsNotBase64OfUserColonPasswordIsInvalid() {
        try (RegistryClient c = client(insecure(basicRegistry.host()))) {
            assertThatThrownBy(() -> c.fetchManifest(ref(basicRegistry.host(), "private/app", "1"), "1",
                    new RegistryAuth("", "", "bm8tY29sb24=", "", "")))
                    .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(Kind.INVALID_ARGUMENT))
                    .hasMessageStartingWith("auth.auth: ");
        }
    }

    @Test
    void bearerTokenIsRequestedOnceAndReusedAcrossRequests() {
        try (RegistryClient c = tokenClient()) {
            ImageReference ref = ref(tokenRegistry.host(), "private/app", "1");
            int before = tokens.tokenRequests();
            assertThat(c.fetchManifest(ref, "1", basic(USER, PASSWORD)).digest()).isEqualTo(tokenImage.index());
            PushedIndex.Platform amd = tokenImage.platform("amd64");
            assertThat(c.fetchManifest(ref, amd.manifest().toString(), basic(USER, PASSWORD)).digest()).isEqualTo(amd.manifest());
            assertThat(readAll(c.openBlob(ref, amd.config(), basic(USER, PASSWORD)))).isEqualTo(tokenImage.bytes(amd.config()));
            assertThat(readAll(c.openBlob(ref, amd.layer(), basic(USER, PASSWORD)))).isEqualTo(tokenImage.bytes(amd.layer()));
            assertThat(tokens.tokenRequests() - before).isEqualTo(1);
        }
    }

    @Test
    void tokensAreNotSharedBetweenCredentials() {
        try (RegistryClient c = tokenClient()) {
            ImageReference ref = ref(tokenRegistry.host(), "private/app", "1");
            c.fetchManifest(ref, "1", basic(USER, PASSWORD));
            HakoException e = failure(() -> c.fetchManifest(ref, "1", RegistryAuth.NONE));
            assertThat(e.kind()).isEqualTo(Kind.UNAUTHENTICATED);
            assertThat(e.getMessage()).contains("http://" + tokenRegistry.host() + ": 401 Unauthorized")
                    .contains("no credentials were given");
        }
    }

    @Test
    void aWrongPasswordAtTheTokenServiceIsUnauthenticated() {
        try (RegistryClient c = tokenClient()) {
            HakoException e = failure(() -> c.fetchManifest(ref(tokenRegistry.host(), "private/app", "1"), "1",
                    basic(USER, "wrong-" + PASSWORD)));
            assertThat(e.kind()).isEqualTo(Kind.UNAUTHENTICATED);
            assertThat(e.getMessage()).isEqualTo("pulling manifest " + tokenRegistry.host() + "/private/app:1: http://"
                    + tokenRegistry.host() + ": token service http://" + tokens.realm().getRawAuthority()
                    + " refused: 401 Unauthorized (wrong credentials)");
        }
    }

    @Test
    void anIdentityTokenIsExchangedAtTheTokenService() {
        try (RegistryClient c = tokenClient()) {
            RegistryAuth auth = new RegistryAuth("", "", "", tokens.identityToken(), "");
            int before = tokens.tokenRequests();
            FetchedManifest m = c.fetchManifest(ref(tokenRegistry.host(), "private/app", "1"), "1", auth);
            assertThat(m.digest()).isEqualTo(tokenImage.index());
            assertThat(tokens.tokenRequests() - before).isEqualTo(1);
            HakoException e = failure(() -> c.fetchManifest(ref(tokenRegistry.host(), "private/app", "1"), "1",
                    new RegistryAuth("", "", "", "not-a-refresh-token", "")));
            assertThat(e.kind()).isEqualTo(Kind.UNAUTHENTICATED);
            assertThat(e.getMessage()).doesNotContain("not-a-refresh-token");
        }
    }

    @Test
    void aRegistryTokenIsSentAsIsWithoutAskingTheTokenService() {
        try (RegistryClient c = tokenClient()) {
            String token = tokens.accessToken("private/app", "pull");
            int before = tokens.tokenRequests();
            ImageReference ref = ref(tokenRegistry.host(), "private/app", "1");
            RegistryAuth auth = new RegistryAuth("", "", "", "", token);
            assertThat(c.fetchManifest(ref, "1", auth).digest()).isEqualTo(tokenImage.index());
            var layer = tokenImage.platform("arm64").layer();
            assertThat(readAll(c.openBlob(ref, layer, auth))).isEqualTo(tokenImage.bytes(layer));
            assertThat(tokens.tokenRequests()).isEqualTo(before);
        }
    }

    @Test
    void aRegistryTokenForAnotherRepositoryIsRefused() {
        try (RegistryClient c = tokenClient()) {
            RegistryAuth auth = new RegistryAuth("", "", "", "", tokens.accessToken("other/repo", "pull"));
            HakoException e = failure(() -> c.fetchManifest(ref(tokenRegistry.host(), "private/app", "1"), "1", auth));
            assertThat(e.kind()).isEqualTo(Kind.UNAUTHENTICATED);
            assertThat(e.getMessage()).contains("http://" + tokenRegistry.host() + ": 401 Unauthorized");
        }
    }

    @Test
    void anExpiredTokenIsFetchedAgain() throws Exception {
        try (TokenServer shortLived = TokenServer.start(USER, PASSWORD).tokenLifetime(1);
                RegistryServer r = RegistryServer.tokenAuth(shortLived);
                RegistryClient c = client(insecure(r.host()), insecure(shortLived.realm().getRawAuthority()))) {
            PushedIndex img = PushedIndex.push(new RegistryPusher(r).withCredentials(USER, PASSWORD), "short/lived", "1");
            ImageReference ref = ref(r.host(), "short/lived", "1");
            int before = shortLived.tokenRequests();
            c.fetchManifest(ref, "1", basic(USER, PASSWORD));
            Thread.sleep(2100);
            assertThat(c.fetchManifest(ref, "1", basic(USER, PASSWORD)).digest()).isEqualTo(img.index());
            assertThat(shortLived.tokenRequests() - before).isEqualTo(2);
        }
    }
}
