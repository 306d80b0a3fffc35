package dev.hako.cri;

import dev.hako.cri.v1.AuthConfig;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.cri.v1.PullImageResponse;
import dev.hako.image.ImageService;
import dev.hako.image.PullListener;
import dev.hako.image.registry.RegistryAuth;

/** PullImage: pulls the image with the request's registry credentials and answers its id. */
final class PullImageRpc {
    private final ImageService images;

    PullImageRpc(ImageService images) {
        this.images = images;
    }

    PullImageResponse pullImage(PullImageRequest request) {
        String id = images.pull(request.getImage().getImage(), auth(request.getAuth()), PullListener.NONE);
        return PullImageResponse.newBuilder().setImageRef(id).build();
    }

    private static RegistryAuth auth(AuthConfig a) {
        return new RegistryAuth(a.getUsername(), a.getPassword(), a.getAuth(), a.getIdentityToken(), a.getRegistryToken());
    }
}
