package dev.hako.network;

import dev.hako.Readiness;
import dev.hako.log.Log;
import java.util.Optional;

/**
 * What the node's networking looks like to the kubelet: whether pods can get a network, and the
 * pod CIDR the kubelet last assigned (kept in a {@link SettingStore}, so it survives a restart of the daemon).
 */
public final class NetworkState {
    private static final Log LOG = Log.of("network");
    private static final String POD_CIDR = "pod_cidr";

    private final SettingStore store;
    private final Cni cni;

    /** Without CNI: never ready (pods get loopback only). */
    public NetworkState(SettingStore store) {
        this(store, null);
    }

    public NetworkState(SettingStore store, Cni cni) {
        this.store = store;
        this.cni = cni;
    }

    /** Ready while a valid CNI configuration and its plugins exist; re-evaluated when the config dir changes. */
    public Readiness readiness() {
        if (cni == null) {
            return Readiness.notReady("NetworkPluginNotReady", "CNI is not configured: pods get loopback only");
        }
        return cni.readiness();
    }

    public Optional<PodCidrs> podCidrs() {
        return store.setting(POD_CIDR).map(text -> PodCidrs.parse(text, POD_CIDR));
    }

    /** Records the kubelet's pod CIDR; an empty value is the kubelet saying "nothing new" and changes nothing. */
    public void updatePodCidrs(String text, String field) {
        if (text.isEmpty()) {
            return;
        }
        PodCidrs cidrs = PodCidrs.parse(text, field);
        Optional<PodCidrs> before = podCidrs();
        if (before.isPresent() && before.get().equals(cidrs)) {
            return;
        }
        store.putSetting(POD_CIDR, cidrs.toString());
        LOG.info("pod CIDR updated", "pod_cidr", cidrs, "was", before.map(PodCidrs::toString).orElse("none"));
    }
}
