package dev.hako.snapshot;

import java.util.List;

/**
 * The aufs whiteout names an image layer uses ({@code .wh.<name>} hides a name of the layers below,
 * {@code .wh..wh..opq} hides all of a directory's contents below) and what each asks of overlayfs.
 */
final class Whiteouts {
    private Whiteouts() {}

    static final String PREFIX = ".wh.";
    /** aufs's own bookkeeping ({@code .wh..wh.plnk}, {@code .wh..wh.aufs}), the opaque marker among it. */
    static final String META_PREFIX = ".wh..wh.";
    static final String OPAQUE = ".wh..wh..opq";

    /** What a whiteout entry asks for. */
    sealed interface Action permits Opaque, Ignore, Hide {}

    /** Mark the parent directory opaque. */
    record Opaque() implements Action {}

    /** Nothing: aufs metadata that means nothing to overlayfs. */
    record Ignore() implements Action {}

    /** Hide {@code name} in the parent directory. */
    record Hide(String name) implements Action {}

    static boolean isWhiteout(String component) {
        return component.startsWith(PREFIX);
    }

    /**
     * Whether the entry with components {@code parts} lies inside aufs bookkeeping ({@code .wh..wh.plnk/…}),
     * meaningless to overlayfs and so skipped; a plain whiteout used as a directory is rejected.
     */
    static boolean insideMetadata(List<String> parts, String entry) {
        for (int i = 0; i < parts.size() - 1; i++) {
            if (parts.get(i).startsWith(PREFIX)) {
                if (parts.get(i).startsWith(META_PREFIX)) {
                    return true;
                }
                throw EntryNames.reject(entry, "a whiteout is used as a directory");
            }
        }
        return false;
    }

    /** The action of whiteout {@code base} (the last component of entry {@code entry}). */
    static Action action(String base, String entry) {
        if (base.equals(OPAQUE)) {
            return new Opaque();
        }
        if (base.startsWith(META_PREFIX)) {
            return new Ignore(); // other aufs metadata (.wh..wh.plnk, .wh..wh.aufs): nothing for overlayfs
        }
        String hidden = base.substring(PREFIX.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
            throw EntryNames.reject(entry, "a whiteout of \"" + hidden + "\" is not valid");
        }
        return new Hide(hidden);
    }
}
