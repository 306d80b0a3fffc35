package dev.hako.oci;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code linux} of an OCI runtime spec, the parts Hako writes; {@link #toJson()} gives them in the
 * order Hako has always written them.
 *
 * @param sysctl            written only when not empty
 * @param devices           written only when not empty
 * @param maskedPaths       null: not written (privileged containers)
 * @param readonlyPaths     null: not written (privileged containers)
 * @param rootfsPropagation null: the runtime's default
 * @param seccomp           null: no filter
 */
public record LinuxSpec(Map<String, String> sysctl, ResourcesSpec resources, String cgroupsPath,
                        List<NamespaceSpec> namespaces, List<DeviceSpec> devices, List<String> maskedPaths,
                        List<String> readonlyPaths, String rootfsPropagation, SeccompSpec seccomp) {
    public LinuxSpec {
        sysctl = Collections.unmodifiableMap(new LinkedHashMap<>(sysctl));
        namespaces = List.copyOf(namespaces);
        devices = List.copyOf(devices);
        maskedPaths = maskedPaths == null ? null : List.copyOf(maskedPaths);
        readonlyPaths = readonlyPaths == null ? null : List.copyOf(readonlyPaths);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        if (!sysctl.isEmpty()) {
            out.put("sysctl", new LinkedHashMap<>(sysctl));
        }
        out.put("resources", resources.toJson());
        out.put("cgroupsPath", cgroupsPath);
        List<Object> ns = new ArrayList<>();
        namespaces.forEach(n -> ns.add(n.toJson()));
        out.put("namespaces", ns);
        if (!devices.isEmpty()) {
            List<Object> devs = new ArrayList<>();
            devices.forEach(d -> devs.add(d.toJson()));
            out.put("devices", devs);
        }
        if (maskedPaths != null) {
            out.put("maskedPaths", new ArrayList<>(maskedPaths));
        }
        if (readonlyPaths != null) {
            out.put("readonlyPaths", new ArrayList<>(readonlyPaths));
        }
        if (rootfsPropagation != null) {
            out.put("rootfsPropagation", rootfsPropagation);
        }
        if (seccomp != null) {
            out.put("seccomp", seccomp.toJson());
        }
        return out;
    }
}
