package dev.hako.network;

import dev.hako.error.HakoException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The capability arguments a plugin gets in {@code runtimeConfig} when its configuration asks for them
 * ({@code portMappings}, {@code dns}, {@code bandwidth}), and the bandwidth limits read from the pod's annotations.
 */
final class CniCapabilityArgs {
    private CniCapabilityArgs() {}

    /** The {@code runtimeConfig} for {@code plugin}: only the capabilities it declares and the pod has values for. */
    static Map<String, Object> runtimeConfig(Map<String, Object> plugin, Cni.Attachment a) {
        Map<String, Object> rc = new LinkedHashMap<>();
        if (!(plugin.get("capabilities") instanceof Map<?, ?> caps)) {
            return rc;
        }
        if (Boolean.TRUE.equals(caps.get("portMappings")) && !a.portMappings().isEmpty()) {
            List<Object> ports = new ArrayList<>();
            for (Cni.PortMapping pm : a.portMappings()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("hostPort", pm.hostPort());
                m.put("containerPort", pm.containerPort());
                m.put("protocol", pm.protocol().toLowerCase(Locale.ROOT));
                if (pm.hostIp() != null && !pm.hostIp().isEmpty()) {
                    m.put("hostIP", pm.hostIp());
                }
                ports.add(m);
            }
            rc.put("portMappings", ports);
        }
        if (Boolean.TRUE.equals(caps.get("dns")) && !a.dns().isEmpty()) {
            rc.put("dns", a.dns());
        }
        if (Boolean.TRUE.equals(caps.get("bandwidth")) && !a.bandwidth().isEmpty()) {
            rc.put("bandwidth", a.bandwidth());
        }
        return rc;
    }

    /**
     * The {@code bandwidth} capability from the pod annotations Kubernetes defines for it
     * ({@code kubernetes.io/ingress-bandwidth}, {@code kubernetes.io/egress-bandwidth}, e.g. {@code 10M}):
     * rates in bits per second, with the burst the kubelet's kubenet used (effectively unlimited).
     */
    static Map<String, Object> bandwidth(Map<String, String> annotations) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String dir : List.of("ingress", "egress")) {
            String value = annotations.get("kubernetes.io/" + dir + "-bandwidth");
            if (value != null && !value.isBlank()) {
                out.put(dir + "Rate", bitsPerSecond(value.strip(), "kubernetes.io/" + dir + "-bandwidth"));
                out.put(dir + "Burst", (long) Integer.MAX_VALUE);
            }
        }
        return out;
    }

    /** A Kubernetes quantity as bits per second: {@code 10M}, {@code 1G}, {@code 500k}, {@code 1Mi}, plain numbers. */
    static long bitsPerSecond(String q, String field) {
        String[][] suffixes = {{"Ki", "1024"}, {"Mi", "1048576"}, {"Gi", "1073741824"}, {"Ti", "1099511627776"},
                {"k", "1000"}, {"K", "1000"}, {"M", "1000000"}, {"G", "1000000000"}, {"T", "1000000000000"}};
        try {
            for (String[] s : suffixes) {
                if (q.endsWith(s[0])) {
                    return (long) (Double.parseDouble(q.substring(0, q.length() - s[0].length())) * Long.parseLong(s[1]));
                }
            }
            return Long.parseLong(q);
        } catch (NumberFormatException e) {
            throw HakoException.invalidArgument("config.annotations[" + field + "]", "\"" + q + "\" is not a bandwidth such as 10M");
        }
    }
}
