package dev.hako.cli;

import dev.hako.cri.v1.Container;
import dev.hako.cri.v1.ContainerState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The filters of {@code hako ps}, as crictl has them: {@code --pod} (a pod ID or unique prefix, or else a
 * pod name), {@code --state}, {@code --name} (a regular expression found in the container's name),
 * {@code --label k=v} (each must match), {@code --image} (the image as the container was created with,
 * or a prefix of its image ID), and {@code -a}. A {@code --state} other than running implies {@code -a}.
 */
record PsFilter(String pod, String podId, String podName, ContainerState state, Pattern name,
                Map<String, String> labels, String image, boolean all) {

    static final PsFilter RUNNING = new PsFilter(null, null, null, null, null, Map.of(), null, false);

    /**
     * Parses the options ({@code --pod} is resolved later, by {@link #withPods}).
     *
     * @throws Args.UsageException for a bad state, regex or label
     */
    static PsFilter parse(Args a) throws Args.UsageException {
        ContainerState state = null;
        String s = a.first("state", "s");
        if (s != null) {
            try {
                state = ContainerState.valueOf("CONTAINER_" + s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException("--state: \"" + s + "\" is not one of created, running, exited, unknown");
            }
        }
        Pattern name = null;
        if (a.get("name") != null) {
            try {
                name = Pattern.compile(a.get("name"));
            } catch (PatternSyntaxException e) {
                throw new Args.UsageException("--name: not a regular expression: " + e.getDescription());
            }
        }
        Map<String, String> labels = new LinkedHashMap<>();
        for (String l : a.all("label")) {
            int eq = l.indexOf('=');
            if (eq <= 0) {
                throw new Args.UsageException("--label: \"" + l + "\" is not KEY=VALUE");
            }
            labels.put(l.substring(0, eq), l.substring(eq + 1));
        }
        return new PsFilter(a.first("pod", "p"), null, null, state, name, Map.copyOf(labels), a.get("image"),
                a.flag("a", "all") || state != null);
    }

    /**
     * {@code --pod} resolved against the pods there are: an ID or unique prefix of one is that pod (an
     * ambiguous prefix is refused), anything else a pod name.
     */
    PsFilter withPods(List<String> podIds) {
        if (pod == null) {
            return this;
        }
        var found = Ids.find("pod", pod, podIds);
        return new PsFilter(pod, found.orElse(null), found.isPresent() ? null : pod, state, name, labels, image, all);
    }

    /** Whether the daemon must be asked for the pods' names (a {@code --pod} that named no pod ID). */
    boolean needsPodNames() {
        return podName != null;
    }

    /** {@code podNames}: pod ID to name, used only for a {@code --pod} given as a name. */
    boolean admits(Container c, Map<String, String> podNames) {
        if (state != null ? c.getState() != state : !all && c.getState() != ContainerState.CONTAINER_RUNNING) {
            return false;
        }
        if (podId != null && !c.getPodSandboxId().equals(podId)) {
            return false;
        }
        if (podName != null && !podName.equals(podNames.get(c.getPodSandboxId()))) {
            return false;
        }
        if (name != null && !name.matcher(c.getMetadata().getName()).find()) {
            return false;
        }
        for (Map.Entry<String, String> l : labels.entrySet()) {
            if (!l.getValue().equals(c.getLabelsMap().get(l.getKey()))) {
                return false;
            }
        }
        if (image != null) {
            String bare = image.startsWith("sha256:") ? image.substring(7) : image;
            return c.getImage().getImage().equals(image) || c.getImageRef().equals(image)
                    || (!bare.isEmpty() && bare(c.getImageId()).startsWith(bare));
        }
        return true;
    }

    private static String bare(String id) {
        return id.startsWith("sha256:") ? id.substring(7) : id;
    }
}
