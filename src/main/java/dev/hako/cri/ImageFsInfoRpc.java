package dev.hako.cri;

import dev.hako.cri.v1.FilesystemIdentifier;
import dev.hako.cri.v1.FilesystemUsage;
import dev.hako.cri.v1.ImageFsInfoRequest;
import dev.hako.cri.v1.ImageFsInfoResponse;
import dev.hako.cri.v1.UInt64Value;
import dev.hako.image.ImageService;

/** ImageFsInfo: the bytes and inodes images use on their filesystem, from the image service's last count. */
final class ImageFsInfoRpc {
    private final ImageService images;

    ImageFsInfoRpc(ImageService images) {
        this.images = images;
    }

    ImageFsInfoResponse imageFsInfo(ImageFsInfoRequest request) {
        ImageService.FsUsage u = images.usage();
        return ImageFsInfoResponse.newBuilder()
                .addImageFilesystems(FilesystemUsage.newBuilder()
                        .setTimestamp(Timestamps.nanos(u.timestamp()))
                        .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(u.mountpoint().toString()))
                        .setUsedBytes(UInt64Value.newBuilder().setValue(u.usedBytes()))
                        .setInodesUsed(UInt64Value.newBuilder().setValue(u.inodesUsed())))
                .build();
    }
}
