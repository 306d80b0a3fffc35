package dev.hako.cri;

import dev.hako.cri.v1.ListImagesRequest;
import dev.hako.cri.v1.ListImagesResponse;
import dev.hako.image.ImageService;

/** ListImages: every stored image, or only the one the filter's reference names. */
final class ListImagesRpc {
    private final ImageService images;

    ListImagesRpc(ImageService images) {
        this.images = images;
    }

    ListImagesResponse listImages(ListImagesRequest request) {
        ListImagesResponse.Builder out = ListImagesResponse.newBuilder();
        String filter = request.getFilter().getImage().getImage();
        if (!filter.isEmpty()) {
            images.find(filter).ifPresent(i -> out.addImages(ImageProtos.of(i)));
            return out.build();
        }
        images.list().forEach(i -> out.addImages(ImageProtos.of(i)));
        return out.build();
    }
}
