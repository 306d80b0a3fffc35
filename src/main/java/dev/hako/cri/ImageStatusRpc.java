package dev.hako.cri;

import dev.hako.cri.v1.ImageStatusRequest;
import dev.hako.cri.v1.ImageStatusResponse;
import dev.hako.image.Image;
import dev.hako.image.ImageService;
import dev.hako.image.Layer;
import dev.hako.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** ImageStatus: the image a reference names, or none; verbose adds its digests, layers and config. */
final class ImageStatusRpc {
    private final ImageService images;

    ImageStatusRpc(ImageService images) {
        this.images = images;
    }

    ImageStatusResponse imageStatus(ImageStatusRequest request) {
        String ref = Requests.image(request.getImage().getImage());
        Optional<Image> found = images.find(ref);
        if (found.isEmpty()) {
            return ImageStatusResponse.getDefaultInstance(); // the CRI's "not present": no image, no error
        }
        Image image = found.get();
        ImageStatusResponse.Builder out = ImageStatusResponse.newBuilder().setImage(ImageProtos.of(image));
        if (request.getVerbose()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("id", image.id());
            info.put("manifestDigest", image.manifestDigest().toString());
            info.put("chainIDs", image.layers().stream().map(l -> l.chainId().toString()).toList());
            info.put("layers", image.layers().stream().map(Layer::digest).map(Object::toString).toList());
            info.put("createdAt", image.createdAt().toString());
            info.put("imageSpec", Json.parse(new String(images.configOf(image), StandardCharsets.UTF_8)));
            out.putInfo("info", Json.write(info));
        }
        return out.build();
    }
}
