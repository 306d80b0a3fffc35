package dev.hako.cri;

import dev.hako.admin.v1.AdminGrpc;
import dev.hako.admin.v1.ImportRequest;
import dev.hako.admin.v1.ImportResponse;
import dev.hako.admin.v1.ImportedImage;
import dev.hako.admin.v1.LayerProgress;
import dev.hako.admin.v1.PullDone;
import dev.hako.admin.v1.PullEvent;
import dev.hako.admin.v1.PullRequest;
import dev.hako.error.HakoException;
import dev.hako.image.ImageService;
import dev.hako.image.registry.RegistryAuth;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Hako's admin API (hako.admin.v1) for the CLI: a pull that streams per-layer progress, and image
 * import from a tar on this host. Served on the same root-only socket as the CRI.
 */
public final class AdminRpcs {
    private final ImageService images;

    public AdminRpcs(ImageService images) {
        this.images = images;
    }

    public void bind(RpcBinder admin) {
        admin.serverStreaming(AdminGrpc.getPullMethod(), this::pull)
                .unary(AdminGrpc.getImportImagesMethod(), this::importTar);
    }

    void pull(PullRequest request, StreamObserver<PullEvent> out) {
        RegistryAuth auth = new RegistryAuth(request.getUsername(), request.getPassword(), "", "", "");
        String id = images.pull(request.getImage(), auth, p -> {
            // progress arrives from several layer threads; the stream must see one message at a time
            synchronized (out) {
                out.onNext(PullEvent.newBuilder().setLayer(LayerProgress.newBuilder()
                        .setDigest(p.digest().toString())
                        .setTotal(p.total())
                        .setDone(p.done())
                        .setPhase(p.phase().name().toLowerCase(Locale.ROOT))).build());
            }
        });
        synchronized (out) {
            out.onNext(PullEvent.newBuilder().setDone(PullDone.newBuilder().setImageId(id)).build());
        }
    }

    ImportResponse importTar(ImportRequest request) {
        if (request.getPath().isEmpty() || !Path.of(request.getPath()).isAbsolute()) {
            throw HakoException.invalidArgument("path", "\"" + request.getPath() + "\" is not an absolute path");
        }
        ImportResponse.Builder out = ImportResponse.newBuilder();
        for (ImageService.Imported i : images.importTar(Path.of(request.getPath()))) {
            out.addImages(ImportedImage.newBuilder().setImageId(i.id()).addAllNames(i.names()));
        }
        return out.build();
    }
}
