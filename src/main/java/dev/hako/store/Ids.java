package dev.hako.store;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.Predicate;

/** IDs of pods and containers, the keys of their rows: 32 random bytes from SecureRandom as 64 hex digits. */
public final class Ids {
    private static final int BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    /** A new ID for which {@code taken} is false: drawn again, however unlikely, rather than reused. */
    public static String fresh(Predicate<String> taken) {
        byte[] bytes = new byte[BYTES];
        while (true) {
            RANDOM.nextBytes(bytes);
            String id = HexFormat.of().formatHex(bytes);
            if (!taken.test(id)) {
                return id;
            }
        }
    }
}
