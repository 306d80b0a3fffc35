package dev.hako.cli;

import dev.hako.cri.v1.Container;
import dev.hako.cri.v1.Image;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.ListImagesRequest;
import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.PodSandbox;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Resolves the IDs a user types, full or a unique prefix, to full IDs before any call that takes one:
 * the daemon's lists are read once per command (lazily) and matched here, so every command accepts
 * what {@code hako ps}/{@code pods}/{@code images} print.
 */
final class Ids {
    private static final int NAMED = 5;
    private static final Pattern HEX = Pattern.compile("(sha256:)?[0-9a-f]+");

    private final CriClient client;
    private List<String> containers;
    private List<String> pods;
    private List<String> images;

    Ids(CriClient client) {
        this.client = client;
    }

    /** A failed resolution: no such object, or an ambiguous prefix (the message names the matches). */
    static final class UnknownIdException extends IllegalArgumentException {
        UnknownIdException(String message) {
            super(message);
        }
    }

    /**
     * The ID among {@code ids} that equals {@code given}, or else the only one it is a prefix of.
     *
     * @throws UnknownIdException "no such KIND" when none matches, or when the prefix is ambiguous
     */
    static String resolve(String kind, String given, Collection<String> ids) {
        return find(kind, given, ids).orElseThrow(() -> new UnknownIdException("no such " + kind + ": " + given));
    }

    /** As {@link #resolve}, empty when nothing matches; an ambiguous prefix still throws. */
    static Optional<String> find(String kind, String given, Collection<String> ids) {
        if (given.isEmpty()) {
            throw new UnknownIdException("an empty " + kind + " ID names nothing");
        }
        if (ids.contains(given)) {
            return Optional.of(given);
        }
        List<String> matches = new ArrayList<>();
        for (String id : ids) {
            if (id.startsWith(given)) {
                matches.add(id);
            }
        }
        if (matches.size() > 1) {
            matches.sort(null);
            String named = String.join(", ", matches.subList(0, Math.min(NAMED, matches.size())));
            String more = matches.size() > NAMED ? " and " + (matches.size() - NAMED) + " more" : "";
            throw new UnknownIdException(kind + " ID prefix \"" + given + "\" is ambiguous: it matches "
                    + matches.size() + " " + kind + "s: " + named + more + "; give more of the ID");
        }
        return matches.stream().findFirst();
    }

    String container(String given) {
        return resolve("container", given, containers());
    }

    String pod(String given) {
        return resolve("pod", given, pods());
    }

    /** The pod {@code given} names; when none, the error says "no such {@code what}". */
    String podOrNone(String given, String what) {
        return find("pod", given, pods()).orElseThrow(() -> new UnknownIdException("no such " + what + ": " + given));
    }

    Optional<String> findContainer(String given) {
        return find("container", given, containers());
    }

    /**
     * An image ID (without {@code sha256:}), full or a unique prefix, becomes the full {@code sha256:}
     * ID; anything else (a tag, a digest reference, a hex name that is no ID prefix) goes to the daemon
     * as given, which resolves references itself.
     */
    String image(String given) {
        return imageRef(given, images());
    }

    static String imageRef(String given, Collection<String> imageIds) {
        if (!HEX.matcher(given).matches()) {
            return given;
        }
        String hex = given.startsWith("sha256:") ? given.substring(7) : given;
        List<String> bare = imageIds.stream().map(i -> i.startsWith("sha256:") ? i.substring(7) : i).toList();
        return find("image", hex, bare).map(id -> "sha256:" + id).orElse(given);
    }

    List<String> containers() {
        if (containers == null) {
            containers = client.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()
                    .stream().map(Container::getId).toList();
        }
        return containers;
    }

    List<String> pods() {
        if (pods == null) {
            pods = client.runtime().listPodSandbox(ListPodSandboxRequest.getDefaultInstance()).getItemsList()
                    .stream().map(PodSandbox::getId).toList();
        }
        return pods;
    }

    private List<String> images() {
        if (images == null) {
            images = client.image().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()
                    .stream().map(Image::getId).toList();
        }
        return images;
    }
}
