package dev.hako.network;

import dev.hako.error.HakoException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The node's pod CIDRs as the kubelet sends them in UpdateRuntimeConfig: one range, or an IPv4 and an
 * IPv6 range joined by a comma on dual-stack nodes.
 */
public record PodCidrs(List<String> ranges) {
    public PodCidrs {
        ranges = List.copyOf(ranges);
    }

    /** Parses {@code text}; {@code field} names it in the request for the error message. */
    public static PodCidrs parse(String text, String field) {
        List<String> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String cidr = part.strip();
            int slash = cidr.indexOf('/');
            if (slash <= 0) {
                throw HakoException.invalidArgument(field, "\"" + cidr + "\" is not a CIDR (address/prefix-length)");
            }
            InetAddress address;
            try {
                address = InetAddress.ofLiteral(cidr.substring(0, slash));
            } catch (IllegalArgumentException e) {
                throw HakoException.invalidArgument(field, "\"" + cidr + "\" does not start with an IP address");
            }
            int maxPrefix = address.getAddress().length * 8;
            int prefix;
            try {
                prefix = Integer.parseInt(cidr.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > maxPrefix) {
                throw HakoException.invalidArgument(field, "\"" + cidr + "\" has a prefix length outside 0.." + maxPrefix);
            }
            out.add(cidr);
        }
        return new PodCidrs(out);
    }

    @Override
    public String toString() {
        return String.join(",", ranges);
    }
}
