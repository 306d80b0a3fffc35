package dev.hako.cli;

import dev.hako.admin.v1.ImportRequest;
import dev.hako.admin.v1.ImportResponse;
import dev.hako.admin.v1.ImportedImage;
import dev.hako.admin.v1.PullEvent;
import dev.hako.admin.v1.PullRequest;
import dev.hako.cri.v1.Image;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.ImageStatusRequest;
import dev.hako.cri.v1.ImageStatusResponse;
import dev.hako.cri.v1.ListImagesRequest;
import dev.hako.cri.v1.ListImagesResponse;
import dev.hako.cri.v1.RemoveImageRequest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

/** {@code hako pull}, {@code images}, {@code rmi}, {@code inspecti} and {@code import}: image commands against the daemon. */
final class ImageCommands {
    private ImageCommands() {}

    static void pull(CriClient client, String image, String username, String password, PrintStream out) {
        PullProgress progress = new PullProgress(out, out == System.out && PullProgress.stdoutIsTerminal(System.getenv("TERM")));
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

    static void images(CriClient client, Output format, boolean quiet, PrintStream out) {
        ListImagesResponse list = client.image().listImages(ListImagesRequest.getDefaultInstance());
        if (quiet) {
            list.getImagesList().forEach(i -> out.println(i.getId()));
            return;
        }
        if (format != Output.TABLE) {
            out.print(format.document(list));
            return;
        }
        out.printf("%-50s %-20s %-14s %10s%n", "IMAGE", "TAG", "IMAGE ID", "SIZE");
        for (Image i : list.getImagesList()) {
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

    /** Removes each image (an ID prefix, tag or digest reference); one that is not there is an error, the rest go on. */
    static boolean rmi(CriClient client, List<String> refs, PrintStream out, PrintStream err) {
        Ids ids = new Ids(client);
        return Each.of(refs, err, "removing image", ref -> {
            ImageSpec spec = ImageSpec.newBuilder().setImage(ids.image(ref)).build();
            if (!client.image().imageStatus(ImageStatusRequest.newBuilder().setImage(spec).build()).hasImage()) {
                throw new Ids.UnknownIdException("no such image: " + ref);
            }
            client.image().removeImage(RemoveImageRequest.newBuilder().setImage(spec).build());
            out.println("removed " + ref);
        });
    }

    /** {@code hako inspecti}: each image's status and verbose info, as JSON (or YAML). */
    static boolean inspecti(CriClient client, List<String> refs, Output format, PrintStream out, PrintStream err) {
        Ids ids = new Ids(client);
        return Each.of(refs, err, "inspecting image", ref -> {
            ImageStatusResponse r = client.image().imageStatus(ImageStatusRequest.newBuilder()
                    .setImage(ImageSpec.newBuilder().setImage(ids.image(ref))).setVerbose(true).build());
            if (!r.hasImage()) {
                throw new Ids.UnknownIdException("no such image: " + ref);
            }
            out.print(format.document(PodCommands.withInfo(Output.json(r.getImage()), r.getInfoMap())));
        });
    }

    static void importTar(CriClient client, Path file, PrintStream out) {
        ImportResponse r = client.admin().importImages(ImportRequest.newBuilder()
                .setPath(file.toAbsolutePath().normalize().toString()).build());
        for (ImportedImage i : r.getImagesList()) {
            out.println(i.getImageId() + (i.getNamesCount() > 0 ? "  " + String.join(" ", i.getNamesList()) : ""));
        }
    }
}
