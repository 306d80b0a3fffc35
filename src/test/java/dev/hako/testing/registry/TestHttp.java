package dev.hako.testing.registry;

import java.net.http.HttpClient;
import java.time.Duration;

/** HTTP clients for test code: trusting a test CA (or the JVM defaults), never following redirects. */
public final class TestHttp {
    private TestHttp() {}

    public static HttpClient client(TestCa ca) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5));
        if (ca != null) {
            b.sslContext(ca.sslContext());
        }
        return b.build();
    }
}
