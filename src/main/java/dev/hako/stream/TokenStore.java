package dev.hako.stream;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Single-use, short-lived URL tokens: a leaked URL is useless after its first use or after a minute. */
final class TokenStore {
    private record Entry(StreamRequest request, long expiresAt) {}

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final long ttlNanos;

    TokenStore(Duration ttl) {
        this.ttlNanos = ttl.toNanos();
    }

    String issue(StreamRequest request) {
        long now = System.nanoTime();
        // dropping stale entries here keeps the map bounded by the issue rate without a sweeper thread
        entries.values().removeIf(e -> now - e.expiresAt > 0);
        byte[] raw = new byte[24];
        random.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        entries.put(token, new Entry(request, now + ttlNanos));
        return token;
    }

    /** The request behind a live token, leaving it valid. */
    StreamRequest peek(String token) {
        Entry e = entries.get(token);
        return e == null || System.nanoTime() - e.expiresAt > 0 ? null : e.request;
    }

    /** Consumes the token; null when it is unknown, used or expired. */
    StreamRequest take(String token) {
        Entry e = entries.remove(token);
        return e == null || System.nanoTime() - e.expiresAt > 0 ? null : e.request;
    }
}
