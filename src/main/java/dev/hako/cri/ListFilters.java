package dev.hako.cri;

import dev.hako.container.Container;
import dev.hako.pod.Pod;
import java.util.Map;

/**
 * The id-prefix and label-selector part that the CRI list filters share (ListPodSandbox, ListPodSandboxStats;
 * ListContainers, ListContainerStats). An empty id in a filter lets every id through.
 */
final class ListFilters {
    private ListFilters() {}

    static boolean admits(Pod p, String id, Map<String, String> labelSelector) {
        return hasPrefix(p.id(), id) && Labels.match(labelSelector, p.config().getLabelsMap());
    }

    static boolean admits(Container c, String id, String podSandboxId, Map<String, String> labelSelector) {
        return hasPrefix(c.id(), id) && hasPrefix(c.podId(), podSandboxId)
                && Labels.match(labelSelector, c.config().getLabelsMap());
    }

    private static boolean hasPrefix(String value, String prefix) {
        return prefix.isEmpty() || value.startsWith(prefix);
    }
}
