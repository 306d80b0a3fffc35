package dev.hako.spec;

import java.util.LinkedHashSet;

/**
 * Host facts for the spec tests: this host's, but with every capability, as a daemon running as root
 * with a full set has them; so what the tests expect of capabilities holds whoever runs them.
 */
final class TestHosts {
    private TestHosts() {}

    static HostFacts withEveryCapability() {
        HostFacts h = HostFacts.probe();
        return new HostFacts(h.minOomScoreAdj(), new LinkedHashSet<>(CapabilitySection.ALL_CAPABILITIES), h.apparmor(),
                h.selinux(), h.arch(), h.devices());
    }
}
