package dev.hako.spec;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code annotations} section: the CRI's identity annotations, as containerd and CRI-O set them. */
final class Annotations {
    private Annotations() {}

    static final String CONTAINER_TYPE = "io.kubernetes.cri.container-type";
    static final String SANDBOX_ID = "io.kubernetes.cri.sandbox-id";
    static final String SANDBOX_NAME = "io.kubernetes.cri.sandbox-name";
    static final String SANDBOX_NAMESPACE = "io.kubernetes.cri.sandbox-namespace";
    static final String SANDBOX_UID = "io.kubernetes.cri.sandbox-uid";
    static final String CONTAINER_NAME = "io.kubernetes.cri.container-name";
    static final String IMAGE_NAME = "io.kubernetes.cri.image-name";

    /** An app container's: its own annotations, then the CRI's identity ones. */
    static Map<String, String> of(SpecInput in) {
        Map<String, String> out = new LinkedHashMap<>(in.config().getAnnotationsMap());
        PodContext pod = in.pod();
        out.put(CONTAINER_TYPE, "container");
        out.put(SANDBOX_ID, nz(pod.podId()));
        out.put(SANDBOX_NAME, nz(pod.podName()));
        out.put(SANDBOX_NAMESPACE, nz(pod.podNamespace()));
        out.put(SANDBOX_UID, nz(pod.podUid()));
        out.put(CONTAINER_NAME, in.config().getMetadata().getName());
        out.put(IMAGE_NAME, nz(in.imageName()));
        return out;
    }

    /** The empty string for null, as the annotations carry no nulls. */
    static String nz(String s) {
        return s == null ? "" : s;
    }
}
