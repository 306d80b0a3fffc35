package dev.hako.image.spec;

import java.util.Locale;

/** An OCI platform; Hako runs images for its own host's OS, architecture and (where it matters) variant. */
public record Platform(String os, String architecture, String variant) {
    public static final Platform HOST = host();

    private static Platform host() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return switch (arch) {
            case "amd64", "x86_64" -> new Platform("linux", "amd64", "");
            case "aarch64", "arm64" -> new Platform("linux", "arm64", "v8");
            default -> new Platform("linux", arch, "");
        };
    }

    /**
     * Whether an image built for {@code p} runs here: same OS and architecture, and a variant that
     * is ours or unspecified ({@code arm64} images often omit {@code v8}; {@code amd64} ones
     * rarely name one, and {@code v1} is the baseline every amd64 CPU runs).
     */
    public boolean runs(Platform p) {
        if (!os.equals(p.os()) || !architecture.equals(p.architecture())) {
            return false;
        }
        String v = p.variant();
        return v.isEmpty() || v.equals(variant) || (architecture.equals("amd64") && v.equals("v1"));
    }

    /** How well {@code p} fits: an exact variant beats an unspecified one. Only meaningful when {@link #runs}. */
    public int preference(Platform p) {
        return p.variant().equals(variant) ? 2 : 1;
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
    }
}
