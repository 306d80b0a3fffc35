package dev.hako.image.registry;

/**
 * Credentials for one pull, from the CRI {@code AuthConfig} (the kubelet's imagePullSecrets or
 * credential provider). All fields may be empty; {@link #NONE} means anonymous.
 *
 * @param auth          base64 of {@code username:password}, an alternative to the two fields
 * @param identityToken an OAuth2 refresh token, exchanged at the token endpoint
 * @param registryToken a bearer token sent to the registry as is
 */
public record RegistryAuth(String username, String password, String auth, String identityToken, String registryToken) {
    public static final RegistryAuth NONE = new RegistryAuth("", "", "", "", "");

    public boolean isAnonymous() {
        return username.isEmpty() && password.isEmpty() && auth.isEmpty() && identityToken.isEmpty()
                && registryToken.isEmpty();
    }

    /** Never print secrets: logs and errors show only which kind of credential was used. */
    @Override
    public String toString() {
        if (!registryToken.isEmpty()) {
            return "RegistryAuth[registry token]";
        }
        if (!identityToken.isEmpty()) {
            return "RegistryAuth[identity token]";
        }
        if (!username.isEmpty() || !auth.isEmpty()) {
            return "RegistryAuth[basic]";
        }
        return "RegistryAuth[anonymous]";
    }
}
