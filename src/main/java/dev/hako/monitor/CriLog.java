package dev.hako.monitor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads back a CRI ({@code k8s-file}) log as conmon writes it: one record per line,
 * {@code <RFC3339Nano time> <stdout|stderr> <P|F>[:more tags] <content>\n}. An {@code F} record ends a
 * line (the newline is restored), a {@code P} record is part of a longer line.
 */
public final class CriLog {
    private CriLog() {}

    /** The two streams of a log, each cut at the cap it was read with. */
    public record Streams(byte[] stdout, byte[] stderr, boolean truncated) {}

    /** Splits the log at {@code path} into stdout and stderr, each capped at {@code cap} bytes; a missing file is empty. */
    public static Streams read(Path path, int cap) throws IOException {
        Capped out = new Capped(cap);
        Capped err = new Capped(cap);
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(path), 64 * 1024)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    record(line.toByteArray(), out, err);
                    line.reset();
                } else if (line.size() < 64 * 1024 + 128) { // conmon never writes longer records
                    line.write(b);
                }
            }
            if (line.size() > 0) {
                record(line.toByteArray(), out, err);
            }
        } catch (NoSuchFileException e) {
            // nothing was written
        }
        return new Streams(out.bytes(), err.bytes(), out.truncated || err.truncated);
    }

    private static void record(byte[] line, Capped out, Capped err) {
        int s1 = indexOf(line, (byte) ' ', 0);
        if (s1 < 0) {
            return;
        }
        int s2 = indexOf(line, (byte) ' ', s1 + 1);
        if (s2 < 0) {
            return;
        }
        String stream = new String(line, s1 + 1, s2 - s1 - 1, java.nio.charset.StandardCharsets.US_ASCII);
        int s3 = indexOf(line, (byte) ' ', s2 + 1);
        int tagEnd = s3 < 0 ? line.length : s3;
        String tags = new String(line, s2 + 1, tagEnd - s2 - 1, java.nio.charset.StandardCharsets.US_ASCII);
        boolean partial = tags.split(":", 2)[0].equals("P");
        int contentStart = s3 < 0 ? line.length : s3 + 1;
        Capped target = switch (stream) {
            case "stdout" -> out;
            case "stderr" -> err;
            default -> null;
        };
        if (target == null) {
            return;
        }
        target.write(line, contentStart, line.length - contentStart);
        if (!partial) {
            target.write(new byte[] {'\n'}, 0, 1);
        }
    }

    private static int indexOf(byte[] a, byte b, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static final class Capped {
        final int cap;
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        boolean truncated;

        Capped(int cap) {
            this.cap = cap;
        }

        void write(byte[] b, int off, int len) {
            int room = cap - buf.size();
            if (len > room) {
                truncated = true;
                len = Math.max(room, 0);
            }
            buf.write(b, off, len);
        }

        byte[] bytes() {
            return buf.toByteArray();
        }
    }
}
