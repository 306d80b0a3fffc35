package dev.hako.network;

import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Named settings that outlive the daemon, as {@link NetworkState} keeps them: the daemon backs this with
 * the metadata store, so networking need not know how or where they are stored.
 */
public interface SettingStore {
    /** The value saved under {@code name}, if any. */
    Optional<String> setting(String name);

    /** Saves {@code value} under {@code name}, replacing what was there. */
    void putSetting(String name, String value);

    /** A store of the two given functions (e.g. the metadata store's methods). */
    static SettingStore of(Function<String, Optional<String>> read, BiConsumer<String, String> write) {
        return new SettingStore() {
            @Override
            public Optional<String> setting(String name) {
                return read.apply(name);
            }

            @Override
            public void putSetting(String name, String value) {
                write.accept(name, value);
            }
        };
    }
}
