package dev.hako.cli;

import dev.hako.admin.v1.ImportRequest;
import dev.hako.admin.v1.ImportResponse;
import dev.hako.admin.v1.ImportedImage;
import dev.hako.admin.v1.PullEvent;
import dev.hako.admin.v1.PullRequest;
import dev.hako.cri.v1.Image;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.ListImagesRequest;
import dev.hako.cri.v1.RemoveImageRequest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

/** {@code hako pull}, {@code images}, {@code rmi} and {@code import}: image commands against the daemon. */
final class ImageCommands {
    private ImageCommands() {}

    static void pull(CriClient client, String image, String username, String password, PrintStream out) {
        PullProgress progress = new PullProgress(out, System.console() != null && System.console().isTerminal());
        long started = System.nanoTime();
        Iterator<PullEvent> events = client.admin().pull(PullRequest.newBuilder()
                .setImage(image)
                .setUsername(username == null ? "" : username)
                .setPassword(password == null ? "" : password)
                .build());
        while (events.hasNext()) {
            PullEvent e = events.next();
            if (e.hasLayer()) {
                progress.update(e.getLayer());
            } else if (e.hasDone()) {
                progress.finish();
                out.printf("pulled %s in %.1f s%n%s%n", image, (System.nanoTime() - started) / 1e9, e.getDone().getImageId());
            }
        }
    }

    static void images(CriClient client, PrintStream out) {
        List<Image> images = client.image().listImages(ListImagesRequest.getDefaultInstance()).getImagesList();
        out.printf("%-50s %-20s %-14s %10s%n", "IMAGE", "TAG", "IMAGE ID", "SIZE");
        for (Image i : images) {
            String id = i.getId().startsWith("sha256:") ? i.getId().substring(7, 20) : i.getId();
            String size = PullProgress.bytes(i.getSize());
            if (i.getRepoTagsCount() == 0) {
                String repo = i.getRepoDigestsCount() > 0 ? i.getRepoDigests(0).substring(0, i.getRepoDigests(0).indexOf('@')) : "<none>";
                out.printf("%-50s %-20s %-14s %10s%n", repo, "<none>", id, size);
            }
            for (String tag : i.getRepoTagsList()) {
                int colon = tag.lastIndexOf(':');
                out.printf("%-50s %-20s %-14s %10s%n", tag.substring(0, colon), tag.substring(colon + 1), id, size);
            }
        }
    }

    static void rmi(CriClient client, List<String> refs, PrintStream out) {
        for (String ref : refs) {
            client.image().removeImage(RemoveImageRequest.newBuilder().setImage(ImageSpec.newBuilder().setImage(ref)).build());
            out.println("removed " + ref);
        }
    }

    static void importTar(CriClient client, Path file, PrintStream out) {
        ImportResponse r = client.admin().importImages(ImportRequest.newBuilder()
                .setPath(file.toAbsolutePath().normalize().toString()).build());
        for (ImportedImage i : r.getImagesList()) {
            out.println(i.getImageId() + (i.getNamesCount() > 0 ? "  " + String.join(" ", i.getNamesList()) : ""));
        }
    }
}
