package dev.hako.cri;

import dev.hako.cri.v1.ImageServiceGrpc;
import dev.hako.image.ImageService;
import io.grpc.ServerServiceDefinition;

/**
 * The CRI ImageService: which class answers each RPC, each named after its RPC. Nothing else happens
 * here; an RPC not bound answers UNIMPLEMENTED ({@link RpcBinder}).
 */
final class CriImageService {
    private CriImageService() {}

    static ServerServiceDefinition create(ImageService images) {
        RpcBinder image = new RpcBinder(ImageServiceGrpc.getServiceDescriptor());
        image.unary(ImageServiceGrpc.getPullImageMethod(), new PullImageRpc(images)::pullImage)
                .unary(ImageServiceGrpc.getListImagesMethod(), new ListImagesRpc(images)::listImages)
                .unary(ImageServiceGrpc.getImageStatusMethod(), new ImageStatusRpc(images)::imageStatus)
                .unary(ImageServiceGrpc.getRemoveImageMethod(), new RemoveImageRpc(images)::removeImage)
                .unary(ImageServiceGrpc.getImageFsInfoMethod(), new ImageFsInfoRpc(images)::imageFsInfo);
        return image.build();
    }
}
