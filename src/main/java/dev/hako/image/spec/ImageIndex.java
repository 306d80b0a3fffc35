package dev.hako.image.spec;

import dev.hako.error.HakoException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/** An OCI image index or Docker manifest list: one manifest per platform. */
public record ImageIndex(List<Descriptor> manifests) {

    public static ImageIndex parse(byte[] json, String where) {
        JsonFields f = JsonFields.parse(json, where);
        List<Descriptor> out = new ArrayList<>();
        List<Object> entries = f.list("manifests");
        for (int i = 0; i < entries.size(); i++) {
            out.add(Descriptor.parse(JsonFields.of(entries.get(i), where + ".manifests[" + i + "]")));
        }
        return new ImageIndex(List.copyOf(out));
    }

    /**
     * The manifest for {@code host}: the best-fitting runnable platform, first in index order among
     * equals. None → NOT_FOUND listing what the index offers.
     */
    public Descriptor select(Platform host, String image) {
        return manifests.stream()
                .filter(d -> d.platform() != null && host.runs(d.platform()) && MediaTypes.isManifest(d.mediaType()))
                .max(Comparator.comparingInt((Descriptor d) -> host.preference(d.platform()))
                        .thenComparingInt(d -> -manifests.indexOf(d)))
                .orElseThrow(() -> HakoException.notFound("image " + image + " has no manifest for platform " + host
                        + "; it offers " + offered()));
    }

    private String offered() {
        String list = manifests.stream()
                .map(d -> d.platform() == null ? "(no platform)" : d.platform().toString())
                .distinct()
                .collect(Collectors.joining(", "));
        return list.isEmpty() ? "none" : list;
    }
}
