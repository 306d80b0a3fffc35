package dev.hako.cri;

import dev.hako.cri.v1.ListPodSandboxRequest;
import dev.hako.cri.v1.ListPodSandboxResponse;
import dev.hako.cri.v1.PodSandbox;
import dev.hako.cri.v1.PodSandboxFilter;
import dev.hako.pod.Pod;
import dev.hako.pod.PodService;

/** ListPodSandbox: every pod the filter (id prefix, state, label selector) lets through. */
final class ListPodSandboxRpc {
    private final PodService pods;

    ListPodSandboxRpc(PodService pods) {
        this.pods = pods;
    }

    ListPodSandboxResponse listPodSandbox(ListPodSandboxRequest r) {
        PodSandboxFilter f = r.getFilter();
        ListPodSandboxResponse.Builder out = ListPodSandboxResponse.newBuilder();
        for (Pod p : pods.list()) {
            if (!ListFilters.admits(p, f.getId(), f.getLabelSelectorMap())
                    || (f.hasState() && f.getState().getState() != States.of(p))) {
                continue;
            }
            out.addItems(PodSandbox.newBuilder()
                    .setId(p.id())
                    .setMetadata(p.config().getMetadata())
                    .setState(States.of(p))
                    .setCreatedAt(Timestamps.nanos(p.createdAt()))
                    .putAllLabels(p.config().getLabelsMap())
                    .putAllAnnotations(p.config().getAnnotationsMap())
                    .setRuntimeHandler(p.runtimeHandler()));
        }
        return out.build();
    }
}
