package dev.hako.stats;

import java.util.ArrayList;
import java.util.List;

/** Parses /proc/net/dev: per-interface receive and transmit counters. */
public final class NetDev {
    private NetDev() {}

    public record Iface(String name, long rxBytes, long rxErrors, long txBytes, long txErrors) {}

    /** Every interface except loopback, in file order. */
    public static List<Iface> parse(String text) {
        List<Iface> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0 || line.contains("|")) {
                continue;
            }
            String name = line.substring(0, colon).strip();
            String[] f = line.substring(colon + 1).strip().split("\\s+");
            if (name.equals("lo") || f.length < 16) {
                continue;
            }
            try {
                out.add(new Iface(name, Long.parseUnsignedLong(f[0]), Long.parseUnsignedLong(f[2]),
                        Long.parseUnsignedLong(f[8]), Long.parseUnsignedLong(f[10])));
            } catch (NumberFormatException ignored) {
                // not a counter line
            }
        }
        return out;
    }
}
