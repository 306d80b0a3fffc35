package dev.hako.cri;

import dev.hako.cri.v1.AuthConfig;
import dev.hako.cri.v1.FilesystemIdentifier;
import dev.hako.cri.v1.FilesystemUsage;
import dev.hako.cri.v1.ImageFsInfoRequest;
import dev.hako.cri.v1.ImageFsInfoResponse;
import dev.hako.cri.v1.ImageServiceGrpc;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.ImageStatusRequest;
import dev.hako.cri.v1.ImageStatusResponse;
import dev.hako.cri.v1.Int64Value;
import dev.hako.cri.v1.ListImagesRequest;
import dev.hako.cri.v1.ListImagesResponse;
import dev.hako.cri.v1.PullImageRequest;
import dev.hako.cri.v1.PullImageResponse;
import dev.hako.cri.v1.RemoveImageRequest;
import dev.hako.cri.v1.RemoveImageResponse;
import dev.hako.cri.v1.UInt64Value;
import dev.hako.error.HakoException;
import dev.hako.image.Image;
import dev.hako.image.ImageService;
import dev.hako.image.Layer;
import dev.hako.image.PullListener;
import dev.hako.image.registry.RegistryAuth;
import dev.hako.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The CRI ImageService: PullImage, ListImages, ImageStatus, RemoveImage, ImageFsInfo. */
public final class ImageRpcs {
    private final ImageService images;

    public ImageRpcs(ImageService images) {
        this.images = images;
    }

    public void bind(RpcBinder image) {
        image.unary(ImageServiceGrpc.getPullImageMethod(), this::pull)
                .unary(ImageServiceGrpc.getListImagesMethod(), this::list)
                .unary(ImageServiceGrpc.getImageStatusMethod(), this::status)
                .unary(ImageServiceGrpc.getRemoveImageMethod(), this::remove)
                .unary(ImageServiceGrpc.getImageFsInfoMethod(), this::fsInfo);
    }

    PullImageResponse pull(PullImageRequest request) {
        String id = images.pull(request.getImage().getImage(), auth(request.getAuth()), PullListener.NONE);
        return PullImageResponse.newBuilder().setImageRef(id).build();
    }

    static RegistryAuth auth(AuthConfig a) {
        return new RegistryAuth(a.getUsername(), a.getPassword(), a.getAuth(), a.getIdentityToken(), a.getRegistryToken());
    }

    ListImagesResponse list(ListImagesRequest request) {
        ListImagesResponse.Builder out = ListImagesResponse.newBuilder();
        String filter = request.getFilter().getImage().getImage();
        if (!filter.isEmpty()) {
            images.find(filter).ifPresent(i -> out.addImages(toProto(i)));
            return out.build();
        }
        images.list().forEach(i -> out.addImages(toProto(i)));
        return out.build();
    }

    ImageStatusResponse status(ImageStatusRequest request) {
        String ref = request.getImage().getImage();
        if (ref.isEmpty()) {
            throw HakoException.invalidArgument("image.image", "no image given");
        }
        Optional<Image> found = images.find(ref);
        if (found.isEmpty()) {
            return ImageStatusResponse.getDefaultInstance(); // the CRI's "not present": no image, no error
        }
        Image image = found.get();
        ImageStatusResponse.Builder out = ImageStatusResponse.newBuilder().setImage(toProto(image));
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

    RemoveImageResponse remove(RemoveImageRequest request) {
        String ref = request.getImage().getImage();
        if (ref.isEmpty()) {
            throw HakoException.invalidArgument("image.image", "no image given");
        }
        images.remove(ref);
        return RemoveImageResponse.getDefaultInstance();
    }

    ImageFsInfoResponse fsInfo(ImageFsInfoRequest request) {
        ImageService.FsUsage u = images.usage();
        long nanos = u.timestamp().getEpochSecond() * 1_000_000_000L + u.timestamp().getNano();
        return ImageFsInfoResponse.newBuilder()
                .addImageFilesystems(FilesystemUsage.newBuilder()
                        .setTimestamp(nanos)
                        .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(u.mountpoint().toString()))
                        .setUsedBytes(UInt64Value.newBuilder().setValue(u.usedBytes()))
                        .setInodesUsed(UInt64Value.newBuilder().setValue(u.inodesUsed())))
                .build();
    }

    static dev.hako.cri.v1.Image toProto(Image i) {
        dev.hako.cri.v1.Image.Builder b = dev.hako.cri.v1.Image.newBuilder()
                .setId(i.id())
                .addAllRepoTags(i.repoTags())
                .addAllRepoDigests(i.repoDigests())
                .setSize(i.size())
                .setSpec(ImageSpec.newBuilder().setImage(i.id()))
                .setPinned(i.pinned());
        // the kubelet checks runAsNonRoot against these: a numeric user is a uid, anything else a name
        String user = userPart(i.user());
        if (!user.isEmpty()) {
            if (user.chars().allMatch(Character::isDigit)) {
                b.setUid(Int64Value.newBuilder().setValue(Long.parseLong(user)));
            } else {
                b.setUsername(user);
            }
        }
        return b.build();
    }

    /** {@code user[:group]} → user. */
    private static String userPart(String user) {
        int colon = user.indexOf(':');
        return colon >= 0 ? user.substring(0, colon) : user;
    }
}
