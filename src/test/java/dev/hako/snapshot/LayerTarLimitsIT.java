package dev.hako.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hako.error.HakoException;
import dev.hako.image.spec.MediaTypes.Compression;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Crafted layers that attack the tar reader itself rather than the file system: a huge global PAX
 * header, more entries than any real layer, and an endless chain of metadata headers (which
 * commons-compress follows by recursion). Each is refused (FAILED_PRECONDITION) with bounded memory.
 */
class LayerTarLimitsIT {
    private Path sandbox;
    private Path layer;

    @BeforeEach
    void setUp() throws IOException {
        sandbox = Files.createTempDirectory(Path.of("/tmp"), "hako-tarlimits-");
        layer = Files.createDirectory(sandbox.resolve("layer"));
    }

    @AfterEach
    void tearDown() throws IOException {
        dev.hako.sys.FileTrees.delete(sandbox);
    }

    @Test
    void aGlobalPaxHeaderOverOneMibIsRefused() {
        byte[] tar = tar(out -> {
            TarArchiveEntry global = new TarArchiveEntry("pax_global_header", TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER);
            global.addPaxHeader("comment", "g".repeat(2 << 20));
            out.putArchiveEntry(global);
            file(out, "after", "x");
        });
        assertThatThrownBy(() -> unpack(new ByteArrayInputStream(tar)))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.FAILED_PRECONDITION))
                .hasMessageContaining("a PAX global header is larger than 1048576 bytes");
    }

    @Test
    void aSmallGlobalPaxHeaderIsAcceptedAndNotTakenForTheNextEntrysOwn() throws IOException {
        // git archive writes one with the commit id; it must not rename or retag the entry after it
        byte[] tar = tar(out -> {
            TarArchiveEntry global = new TarArchiveEntry("pax_global_header", TarConstants.LF_PAX_GLOBAL_EXTENDED_HEADER);
            global.addPaxHeader("comment", "0123456789abcdef");
            out.putArchiveEntry(global);
            file(out, "kept", "content");
        });
        UnpackResult r = unpack(new ByteArrayInputStream(tar));
        assertThat(layer.resolve("kept")).hasContent("content");
        assertThat(r.entries()).isEqualTo(1);
    }

    @Test
    void moreThanAMillionEntriesAreRefused() throws IOException {
        // aufs bookkeeping entries cost the unpacker nothing on disk, so only the count is tested
        byte[] header = tar(out -> file(out, ".wh..wh.plnk/x", ""));
        byte[] one = java.util.Arrays.copyOf(header, 512);
        long entries = LayerTarInputStream.MAX_ENTRIES + 1;
        assertThatThrownBy(() -> unpack(repeated(one, entries)))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.FAILED_PRECONDITION))
                .hasMessageContaining("more than 1000000 entries");
        assertThat(LayerTarInputStream.MAX_ENTRIES).isEqualTo(1_000_000);
    }

    @Test
    void anEndlessChainOfPaxHeadersIsRefusedWithoutOverflowingTheStack() {
        // each 'x' header makes commons-compress recurse once more to find the entry it describes
        byte[] pax = tar(out -> {
            TarArchiveEntry e = new TarArchiveEntry("./PaxHeaders/x", TarConstants.LF_PAX_EXTENDED_HEADER_LC);
            byte[] record = "18 comment=abcdef\n".getBytes(StandardCharsets.UTF_8);
            e.setSize(record.length);
            out.putArchiveEntry(e);
            out.write(record);
            out.closeArchiveEntry();
        });
        byte[] pair = java.util.Arrays.copyOf(pax, 1024); // header record + one data record
        assertThatThrownBy(() -> unpack(repeated(pair, 200_000)))
                .isInstanceOfSatisfying(HakoException.class, e -> assertThat(e.kind()).isEqualTo(HakoException.Kind.FAILED_PRECONDITION))
                .hasMessageContaining("more than " + LayerTarInputStream.MAX_HEADERS_PER_ENTRY + " header records");
    }

    private UnpackResult unpack(InputStream in) throws IOException {
        return LayerUnpacker.unpack(in, Compression.NONE, layer);
    }

    @FunctionalInterface
    private interface Writer {
        void write(TarArchiveOutputStream out) throws IOException;
    }

    private static byte[] tar(Writer w) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
                out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                w.write(out);
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void file(TarArchiveOutputStream out, String name, String content) throws IOException {
        byte[] data = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setMode(0644);
        out.putArchiveEntry(e);
        out.write(data);
        out.closeArchiveEntry();
    }

    /** {@code unit} {@code times} over, then the end-of-archive marker, generated as it is read (never held whole). */
    private static InputStream repeated(byte[] unit, long times) {
        return new InputStream() {
            private long unitsLeft = times;
            private int pos;
            private int trailer = 1024;

            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] buf, int off, int len) {
                if (len == 0) {
                    return 0;
                }
                if (unitsLeft > 0) {
                    int n = Math.min(len, unit.length - pos);
                    System.arraycopy(unit, pos, buf, off, n);
                    pos += n;
                    if (pos == unit.length) {
                        pos = 0;
                        unitsLeft--;
                    }
                    return n;
                }
                if (trailer == 0) {
                    return -1;
                }
                int n = Math.min(len, trailer);
                java.util.Arrays.fill(buf, off, off + n, (byte) 0);
                trailer -= n;
                return n;
            }
        };
    }
}
