package dev.hako.image.spec;

import dev.hako.error.HakoException;
import java.util.regex.Pattern;

/**
 * A normalised image reference, as the kubelet and containerd understand them:
 * {@code busybox} is {@code docker.io/library/busybox:latest}; a first component with a dot, a
 * colon or named {@code localhost} is a registry host; a digest pins the content and a tag next to
 * it is kept only as a name.
 *
 * @param domain registry host[:port], e.g. {@code docker.io}, {@code 127.0.0.1:5000}
 * @param path   repository path inside the registry, e.g. {@code library/busybox}
 * @param tag    the tag, or null when the reference is by digest only
 * @param digest the pinned manifest digest, or null
 */
public record ImageReference(String domain, String path, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final int MAX_NAME = 255;
    /**
     * Longer texts are refused before parsing: a name (255), a tag (128) and a digest fit many times
     * over, and the patterns below repeat groups, which Java's regex engine matches by recursion.
     */
    static final int MAX_REFERENCE = 4096;
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final Pattern HOST = Pattern.compile(
            "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])(?::[0-9]{1,5})?");

    /**
     * Parses and normalises {@code text}; {@code field} names where it came from (e.g.
     * {@code image.image}) so the INVALID_ARGUMENT message can point at it.
     */
    public static ImageReference parse(String text, String field) {
        if (text == null || text.isEmpty()) {
            throw HakoException.invalidArgument(field, "image reference is empty");
        }
        if (text.length() > MAX_REFERENCE) {
            throw HakoException.invalidArgument(field, "image reference is " + text.length()
                    + " characters long, more than " + MAX_REFERENCE + " (\"" + text.substring(0, 64) + "...\")");
        }
        String rest = text;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            String d = rest.substring(at + 1);
            rest = rest.substring(0, at);
            try {
                digest = parseDigest(d);
            } catch (IllegalArgumentException e) {
                throw bad(field, text, "\"" + d + "\" is not a digest (sha256:<64 lower-case hex digits>)");
            }
        }
        String tag = null;
        int slash = rest.lastIndexOf('/');
        int colon = rest.lastIndexOf(':');
        if (colon > slash) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw bad(field, text, "tag \"" + tag + "\" must be 1-128 of letters, digits, '_', '.', '-', not starting with '.' or '-'");
            }
        }
        String domain = DOCKER_HUB;
        String path = rest;
        int first = rest.indexOf('/');
        if (first >= 0) {
            String head = rest.substring(0, first);
            if (head.contains(".") || head.contains(":") || head.equals("localhost") || !head.equals(head.toLowerCase())) {
                domain = head;
                path = rest.substring(first + 1);
            }
        }
        // before any pattern runs: they recurse once per repeated group, so they only ever see short texts
        if (domain.length() + 1 + path.length() > MAX_NAME) {
            throw bad(field, text, "repository name is longer than " + MAX_NAME + " characters");
        }
        if (!HOST.matcher(domain).matches()) {
            throw bad(field, text, "\"" + domain + "\" is not a valid registry host[:port]");
        }
        if (domain.equals("index.docker.io")) {
            domain = DOCKER_HUB;
        }
        if (path.isEmpty()) {
            throw bad(field, text, "repository name is empty");
        }
        for (String component : path.split("/", -1)) {
            if (!COMPONENT.matcher(component).matches()) {
                String why = !component.equals(component.toLowerCase())
                        ? "repository name must be lowercase"
                        : "repository path component \"" + component + "\" must be lower-case letters and digits, separated by '.', '_', '__' or '-'";
                throw bad(field, text, why);
            }
        }
        if (domain.equals(DOCKER_HUB) && !path.contains("/")) {
            path = "library/" + path;
        }
        if (tag == null && digest == null) {
            tag = "latest";
        }
        if (domain.length() + 1 + path.length() > MAX_NAME) {
            throw bad(field, text, "repository name is longer than " + MAX_NAME + " characters");
        }
        return new ImageReference(domain, path, tag, digest);
    }

    private static Digest parseDigest(String d) {
        int c = d.indexOf(':');
        if (c <= 0) {
            throw new IllegalArgumentException(d);
        }
        return new Digest(d.substring(0, c), d.substring(c + 1));
    }

    private static HakoException bad(String field, String text, String why) {
        return HakoException.invalidArgument(field, "invalid image reference \"" + text + "\": " + why);
    }

    /** {@code domain/path}: the repository, without tag or digest. */
    public String name() {
        return domain + "/" + path;
    }

    /** What a manifest GET asks for: the digest when pinned, else the tag. */
    public String manifestReference() {
        return digest != null ? digest.toString() : tag;
    }

    /** The same repository with a tag only, e.g. for the image's repo_tags. */
    public String tagged() {
        return tag == null ? null : name() + ":" + tag;
    }

    /** The same repository pinned to {@code d}, as repo_digests list it. */
    public String withDigest(Digest d) {
        return name() + "@" + d;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(name());
        if (tag != null) {
            s.append(':').append(tag);
        }
        if (digest != null) {
            s.append('@').append(digest);
        }
        return s.toString();
    }
}
