package dev.hako.snapshot;

import dev.hako.error.HakoException;
import java.util.ArrayList;
import java.util.List;

/** Names inside a layer as path components, and the error that refuses an entry. */
final class EntryNames {
    private EntryNames() {}

    /** The error refusing the entry named {@code entry} (FAILED_PRECONDITION), with the reason. */
    static HakoException reject(String entry, String reason) {
        return new HakoException(HakoException.Kind.FAILED_PRECONDITION, "layer entry \"" + entry + "\": " + reason);
    }

    /**
     * The components of {@code raw}, a name inside the layer ({@code what} says which, for the error of
     * entry {@code entry}); empty and {@code .} components are dropped, absolute names and {@code ..} rejected.
     */
    static List<String> split(String raw, String entry, String what) {
        if (raw.startsWith("/")) {
            throw reject(entry, what + " is an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : raw.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                throw reject(entry, what + " has a \"..\" component");
            }
            parts.add(part);
        }
        return parts;
    }

    /** The first {@code count} components joined with {@code /}. */
    static String join(List<String> parts, int count) {
        return count == 1 ? parts.getFirst() : String.join("/", parts.subList(0, count));
    }
}
