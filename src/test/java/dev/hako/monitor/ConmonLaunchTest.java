package dev.hako.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What conmon inherits besides its two fifos: a bare environment. */
class ConmonLaunchTest {
    @Test
    void theEnvironmentIsPathTheRuntimeDirAndTheFifos() {
        assertThat(ConmonLaunch.environment("/run/user/1000")).containsExactly(
                java.util.Map.entry("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                java.util.Map.entry("XDG_RUNTIME_DIR", "/run/user/1000"),
                java.util.Map.entry("_OCI_SYNCPIPE", "3"),
                java.util.Map.entry("_OCI_STARTPIPE", "4"));
        assertThat(ConmonLaunch.environment(null)).doesNotContainKey("XDG_RUNTIME_DIR").hasSize(3);
    }

    @Test
    void conmonsOutputEndsAnErrorMessage() {
        assertThat(ConmonLaunch.suffix("")).isEmpty();
        assertThat(ConmonLaunch.suffix(null)).isEmpty();
        assertThat(ConmonLaunch.suffix("bad flag")).isEqualTo(": bad flag");
    }
}
