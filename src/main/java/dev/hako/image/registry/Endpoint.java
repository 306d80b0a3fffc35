package dev.hako.image.registry;

import dev.hako.image.spec.ImageReference;
import java.net.URI;
import java.nio.file.Path;

/**
 * One place a repository can be pulled from: a configured mirror or the registry host itself.
 *
 * @param scheme    https, or the mirror URL's scheme
 * @param authority host[:port], without user info
 * @param prefix    the mirror URL's path without a trailing slash or {@code /v2} ("" for hosts)
 * @param mirror    a configured mirror, not the host itself
 * @param insecure  TLS without verification; for the host also the plain-HTTP fallback
 * @param caFile    extra CA bundle, or null
 */
record Endpoint(String scheme, String authority, String prefix, boolean mirror, boolean insecure, Path caFile) {
    /** Docker Hub's registry API does not live at the name images use. */
    static final String DOCKER_HUB_API = "registry-1.docker.io";

    static Endpoint host(String domain, boolean insecure, Path caFile) {
        String authority = domain.equals(ImageReference.DOCKER_HUB) ? DOCKER_HUB_API : domain;
        return new Endpoint("https", authority, "", false, insecure, caFile);
    }

    static Endpoint mirror(URI url, boolean insecure, Path caFile) {
        String authority = url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "");
        String path = url.getRawPath() == null ? "" : url.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        // containerd accepts mirror URLs both with and without the API root
        if (path.endsWith("/v2")) {
            path = path.substring(0, path.length() - 3);
        }
        return new Endpoint(url.getScheme().toLowerCase(), authority, path, true, insecure, caFile);
    }

    /** Only an insecure host may be spoken to in plain HTTP; a mirror's scheme is what its URL says. */
    boolean mayDowngrade() {
        return insecure && !mirror;
    }

    String base(boolean plain) {
        return (plain ? "http" : scheme) + "://" + authority + prefix;
    }

    URI url(boolean plain, String repository, String suffix) {
        return URI.create(base(plain) + "/v2/" + repository + "/" + suffix);
    }

    /** How error messages name this endpoint. */
    String label(boolean plain) {
        return base(plain) + (mirror ? " (mirror)" : "");
    }
}
