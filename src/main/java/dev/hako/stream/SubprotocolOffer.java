package dev.hako.stream;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;

/**
 * The protocol versions a client offers in a comma-separated, possibly repeated header
 * (X-Stream-Protocol-Version for SPDY, Sec-WebSocket-Protocol for WebSocket), and the server's pick among them.
 */
record SubprotocolOffer(List<String> offered) {
    static SubprotocolOffer from(HttpHeaders headers, CharSequence name) {
        List<String> offered = new ArrayList<>();
        for (String value : headers.getAll(name)) {
            for (String v : value.split(",")) {
                if (!v.isBlank()) {
                    offered.add(v.trim());
                }
            }
        }
        return new SubprotocolOffer(offered);
    }

    /**
     * The client's first offer the server supports; "" when the client offered none (each upgrade gives that its
     * own meaning); null when nothing offered is supported.
     */
    String choose(List<String> supported) {
        return offered.isEmpty() ? "" : offered.stream().filter(supported::contains).findFirst().orElse(null);
    }
}
