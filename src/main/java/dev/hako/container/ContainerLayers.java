package dev.hako.container;

import dev.hako.image.spec.Digest;
import dev.hako.json.Json;
import dev.hako.store.ContainerRow;
import dev.hako.store.ContainerTable;
import dev.hako.store.MetadataStore;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * The image layers containers run on, read from their records: image garbage collection keeps
 * them even once no image claims them. Read from the store rather than asked of the container
 * service, so the image service below it needs no reference back up.
 */
public final class ContainerLayers {
    private ContainerLayers() {}

    /** A reader of the chain IDs every container record (intents included) names. */
    public static Supplier<Collection<Digest>> inUse(MetadataStore store) {
        ContainerTable table = new ContainerTable(store);
        return () -> chainIds(table);
    }

    private static Collection<Digest> chainIds(ContainerTable table) {
        List<Digest> out = new ArrayList<>();
        List<ContainerRow> rows = new ArrayList<>(table.all());
        rows.addAll(table.creating()); // an intent names its layers too
        for (ContainerRow r : rows) {
            Object ids = Json.parseObject(r.details()).get("chainIDs");
            if (ids instanceof List<?> l) {
                for (Object o : l) {
                    out.add(Digest.parseRemote(String.valueOf(o), "container " + r.id()));
                }
            }
        }
        return out;
    }
}
