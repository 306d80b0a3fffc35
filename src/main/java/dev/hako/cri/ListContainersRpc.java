package dev.hako.cri;

import dev.hako.container.Container;
import dev.hako.container.ContainerService;
import dev.hako.cri.v1.ContainerFilter;
import dev.hako.cri.v1.ImageSpec;
import dev.hako.cri.v1.ListContainersRequest;
import dev.hako.cri.v1.ListContainersResponse;

/** ListContainers: every container the filter (id and pod id prefixes, state, label selector) lets through. */
final class ListContainersRpc {
    private final ContainerService containers;

    ListContainersRpc(ContainerService containers) {
        this.containers = containers;
    }

    ListContainersResponse listContainers(ListContainersRequest r) {
        ContainerFilter f = r.getFilter();
        ListContainersResponse.Builder out = ListContainersResponse.newBuilder();
        for (Container c : containers.list()) {
            if (!ListFilters.admits(c, f.getId(), f.getPodSandboxId(), f.getLabelSelectorMap())
                    || (f.hasState() && f.getState().getState() != States.of(c))) {
                continue;
            }
            out.addContainers(dev.hako.cri.v1.Container.newBuilder()
                    .setId(c.id())
                    .setPodSandboxId(c.podId())
                    .setMetadata(c.config().getMetadata())
                    .setImage(ImageSpec.newBuilder().setImage(c.imageName()))
                    .setImageRef(c.imageRef())
                    .setImageId(c.imageId())
                    .setState(States.of(c))
                    .setCreatedAt(Timestamps.nanos(c.createdAt()))
                    .putAllLabels(c.config().getLabelsMap())
                    .putAllAnnotations(c.config().getAnnotationsMap()));
        }
        return out.build();
    }
}
