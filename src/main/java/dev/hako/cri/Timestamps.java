package dev.hako.cri;

import java.time.Instant;

/** The CRI's timestamps: nanoseconds since the epoch, 0 for "not yet" (a container never started). */
final class Timestamps {
    private Timestamps() {}

    static long nanos(Instant i) {
        return i == null ? 0 : i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
