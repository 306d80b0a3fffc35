package dev.hako.cri;

import dev.hako.cri.v1.RemoveImageRequest;
import dev.hako.cri.v1.RemoveImageResponse;
import dev.hako.image.ImageService;

/** RemoveImage: removes the image a reference names. */
final class RemoveImageRpc {
    private final ImageService images;

    RemoveImageRpc(ImageService images) {
        this.images = images;
    }

    RemoveImageResponse removeImage(RemoveImageRequest request) {
        images.remove(Requests.image(request.getImage().getImage()));
        return RemoveImageResponse.getDefaultInstance();
    }
}
