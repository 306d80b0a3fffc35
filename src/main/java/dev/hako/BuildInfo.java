package dev.hako;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** What this build of Hako is, read from a resource Maven filters at build time. */
public final class BuildInfo {
    public static final String NAME = "hako";
    public static final String VERSION = readVersion();

    private BuildInfo() {}

    private static String readVersion() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
