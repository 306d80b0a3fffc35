package dev.hako.config;

/** The configuration is unusable; the message starts with the key (or file position) at fault. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
