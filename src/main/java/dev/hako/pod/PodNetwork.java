package dev.hako.pod;

import dev.hako.FaultPoints;
import dev.hako.cri.v1.PodSandboxConfig;
import dev.hako.cri.v1.PortMapping;
import dev.hako.log.Log;
import dev.hako.network.Cni;
import dev.hako.sys.NamespacePins.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pod's network through CNI: ADD when the pod is built, DEL when it stops, is removed or is undone.
 * CNI caches each ADD result until its DEL succeeds, and that cached result is the record of a DEL
 * still owed: stop, remove and recovery retry it until it goes. Without CNI (null, or no
 * configuration: NetworkReady false) pods get loopback only and nothing is owed.
 */
final class PodNetwork {
    private static final Log LOG = Log.of("pod");

    private final Cni cni;

    /** {@code cni} may be null: no pod is attached then. */
    PodNetwork(Cni cni) {
        this.cni = cni;
    }

    /** The network namespace pin inside a pod's directory, where it is whether or not it exists yet. */
    static Path netnsPin(Path podDir) {
        return podDir.resolve("ns").resolve(Kind.NET.fileName());
    }

    /** Whether pods with a network namespace of their own are attached through CNI. */
    boolean attaches() {
        return cni != null && cni.hasConfiguration();
    }

    /** CNI ADD for a new pod; returns the addresses CNI gave it. */
    List<String> attach(String id, PodSandboxConfig config, Path netns) {
        long t0 = System.nanoTime();
        List<String> ips = cni.add(attachment(id, config, netns)).ips();
        FaultPoints.reach("pod-cni-added");
        LOG.debug("pod network attached", "pod", id, "ips", ips, "cni_ms", (System.nanoTime() - t0) / 1_000_000);
        return ips;
    }

    /** Whether a DEL is still owed for this pod (its ADD result is cached). */
    boolean owesDel(String id) {
        return cni != null && cni.hasCachedResult(id);
    }

    /** CNI DEL for a pod whose creation is being undone; its pin is where creation made (or would make) it. */
    void undoAttach(String id, PodSandboxConfig config, Path podDir) {
        cni.del(attachment(id, config, netnsPin(podDir)));
    }

    /**
     * CNI DEL for a pod whose ADD result is still cached: always run on stop, whether or not the netns
     * pin still exists (a missing pin is passed as an empty netns). A failure is logged, not thrown:
     * the cache stays, so remove and recovery retry it.
     *
     * @return whether nothing is owed any more
     */
    boolean detach(Pod pod) {
        if (!owesDel(pod.id())) {
            return true;
        }
        Path netns = pod.context().netns() != null ? pod.context().netns() : netnsPin(pod.dir());
        try {
            cni.del(attachment(pod.id(), pod.config(), netns));
            return true;
        } catch (RuntimeException e) {
            LOG.error("CNI DEL failed, the pod's IP stays allocated; retried on remove and at restart (check the CNI plugins)",
                    "pod", pod.id(), "pod_name", pod.namespace() + "/" + pod.name(), "error", Log.cause(e));
            return false;
        }
    }

    /**
     * At start-up: an ADD whose pod has no row any more (nor is being created) still owes its DEL,
     * which runs before the netns pin goes. A failure is logged and retried at the next start.
     */
    void releaseOrphans(Set<String> known, Set<String> inFlight) {
        if (cni == null) {
            return;
        }
        for (String podId : cni.cachedPodIds()) {
            if (known.contains(podId) || inFlight.contains(podId)) {
                continue;
            }
            try {
                cni.del(new Cni.Attachment(podId, "", "", "", "", List.of(), Map.of()));
                LOG.info("released the network of a removed pod sandbox", "pod", podId);
            } catch (RuntimeException e) {
                LOG.error("CNI DEL for a removed pod sandbox failed; retried at the next start (check the CNI plugins)",
                        "pod", podId, "error", Log.cause(e));
            }
        }
    }

    /** What CNI is told about a pod: its host ports (0 is none), its DNS settings and its bandwidth limits. */
    static Cni.Attachment attachment(String id, PodSandboxConfig config, Path netns) {
        List<Cni.PortMapping> ports = new ArrayList<>();
        for (PortMapping pm : config.getPortMappingsList()) {
            if (pm.getHostPort() <= 0) {
                continue;
            }
            String protocol = switch (pm.getProtocol()) {
                case UDP -> "udp";
                case SCTP -> "sctp";
                default -> "tcp";
            };
            ports.add(new Cni.PortMapping(pm.getHostPort(), pm.getContainerPort(), protocol, pm.getHostIp()));
        }
        Map<String, Object> dns = new LinkedHashMap<>();
        if (config.hasDnsConfig()) {
            var d = config.getDnsConfig();
            if (d.getServersCount() > 0) {
                dns.put("servers", List.copyOf(d.getServersList()));
            }
            if (d.getSearchesCount() > 0) {
                dns.put("searches", List.copyOf(d.getSearchesList()));
            }
            if (d.getOptionsCount() > 0) {
                dns.put("options", List.copyOf(d.getOptionsList()));
            }
        }
        var meta = config.getMetadata();
        return new Cni.Attachment(id, netns.toString(), meta.getNamespace(), meta.getName(), meta.getUid(), ports, dns,
                Cni.bandwidth(config.getAnnotationsMap()));
    }
}
