package dev.hako.config;

/** How container cgroups are created: directly in cgroupfs, or as systemd scopes and slices. */
public enum CgroupDriver {
    CGROUPFS("cgroupfs"), SYSTEMD("systemd");

    private final String key;

    CgroupDriver(String key) {
        this.key = key;
    }

    /** The value as written in hako.toml. */
    public String key() {
        return key;
    }
}
