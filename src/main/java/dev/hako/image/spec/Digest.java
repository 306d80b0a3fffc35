package dev.hako.image.spec;

import dev.hako.error.HakoException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest, {@code sha256:<64 hex>} (the only algorithm registries use in practice;
 * sha512 is accepted for completeness). Validated on construction, so a Digest is always safe to
 * use as a file name.
 */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {
    private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

    public Digest {
        boolean ok = switch (algorithm) {
            case "sha256" -> SHA256.matcher(hex).matches();
            case "sha512" -> SHA512.matcher(hex).matches();
            default -> false;
        };
        if (!ok) {
            throw new IllegalArgumentException("not a valid digest: " + algorithm + ":" + hex);
        }
    }

    /** Parses {@code sha256:…}; {@code what} names the field or reference for the error message. */
    public static Digest parse(String text, String what) {
        int colon = text.indexOf(':');
        try {
            if (colon > 0) {
                return new Digest(text.substring(0, colon), text.substring(colon + 1));
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw HakoException.invalidArgument(what, "\"" + text + "\" is not a digest (sha256:<64 lower-case hex digits>)");
    }

    /** Like {@link #parse} but for digests found in registry data, where a bad one is the registry's fault. */
    public static Digest parseRemote(String text, String where) {
        int colon = text == null ? -1 : text.indexOf(':');
        try {
            if (colon > 0) {
                return new Digest(text.substring(0, colon), text.substring(colon + 1));
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new HakoException(HakoException.Kind.DATA_LOSS, where + ": \"" + text + "\" is not a valid digest");
    }

    public static Digest sha256(byte[] data) {
        return new Digest("sha256", HexFormat.of().formatHex(newSha256().digest(data)));
    }

    public static Digest ofSha256(MessageDigest finished) {
        return new Digest("sha256", HexFormat.of().formatHex(finished.digest()));
    }

    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** A fresh MessageDigest for this digest's algorithm, to verify content against it. */
    public MessageDigest newMessageDigest() {
        try {
            return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no " + algorithm, e);
        }
    }

    /** The first 12 hex digits, as the CLI and logs show IDs. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }
}
