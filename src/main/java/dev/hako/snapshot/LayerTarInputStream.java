package dev.hako.snapshot;

import dev.hako.error.HakoException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * commons-compress's tar reader, plus the raw bytes behind each entry's PAX header and GNU long name.
 * commons decodes PAX values as UTF-8, which mangles binary xattr values (a {@code security.capability}
 * with {@code cap_setuid} has a 0x80 byte), and it strips a leading {@code /} from PAX and GNU long
 * names, where an absolute name must be seen to be rejected. So the PAX records are captured as they
 * are read ({@code readRecord} sees each header, {@code read} the header's content) and parsed here.
 */
final class LayerTarInputStream extends TarArchiveInputStream {
    private static final int MAX_PAX_BYTES = 1 << 20;
    private static final int MAX_LONG_NAME = 64 * 1024;
    /**
     * Entries per layer. The biggest real layers (a full distribution with toolchains, a
     * node_modules tree) hold a few hundred thousand files; a million such inodes is already a
     * sizeable share of an ext4 file system's inode table, and more only serves to exhaust it.
     */
    static final long MAX_ENTRIES = 1_000_000;
    /**
     * Header records per entry: its own, PAX ('x', 'g') and GNU long-name headers before it, and
     * old-GNU sparse extensions after it. Real archives use a handful; commons-compress reads each
     * chained metadata header by recursing, so an unbounded chain would overflow the stack.
     */
    static final int MAX_HEADERS_PER_ENTRY = 64;

    /** One tar entry with the name and link target as written in the archive, and its raw PAX records. */
    record Entry(TarArchiveEntry header, String name, String linkName, Map<String, byte[]> pax) {}

    private ByteArrayOutputStream capturing;
    /** The header being captured is a global one ('g'): capped like the others, then dropped, since commons applies it. */
    private boolean capturingGlobal;
    private byte[] pax;
    private byte[] longName;
    private long entries;
    private int headers;

    LayerTarInputStream(InputStream in) {
        super(in, 10240, 512, "UTF-8", false);
    }

    /** The next entry, or null at the end of the archive. */
    Entry next() throws IOException {
        pax = null;
        longName = null;
        headers = 0;
        TarArchiveEntry header = getNextEntry();
        if (header == null) {
            return null;
        }
        if (++entries > MAX_ENTRIES) {
            throw new HakoException(HakoException.Kind.FAILED_PRECONDITION, "the layer holds more than " + MAX_ENTRIES
                    + " entries");
        }
        Map<String, byte[]> records = pax == null ? Map.of() : parsePax(pax);
        // an empty PAX value deletes the keyword, so the header's own field applies
        byte[] rawName = records.get("path");
        String name = rawName != null && rawName.length > 0 ? utf8(rawName)
                : longName != null ? utf8(longName) : header.getName();
        byte[] rawLink = records.get("linkpath");
        String link = rawLink != null && rawLink.length > 0 ? utf8(rawLink) : header.getLinkName();
        return new Entry(header, name, link, records);
    }

    @Override
    protected byte[] readRecord() throws IOException {
        if (capturing != null) {
            if (!capturingGlobal) {
                pax = capturing.toByteArray();
            }
            capturing = null;
        }
        if (++headers > MAX_HEADERS_PER_ENTRY) {
            throw new HakoException(HakoException.Kind.FAILED_PRECONDITION, "an entry of the layer comes with more than "
                    + MAX_HEADERS_PER_ENTRY + " header records");
        }
        byte[] record = super.readRecord();
        if (record != null && record.length >= 512 && (record[156] == 'x' || record[156] == 'X' || record[156] == 'g')) {
            capturing = new ByteArrayOutputStream();
            capturingGlobal = record[156] == 'g';
        }
        return record;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        int n = super.read(buf, off, len);
        if (capturing != null && n > 0) {
            if (capturing.size() + n > MAX_PAX_BYTES) {
                throw new HakoException(HakoException.Kind.FAILED_PRECONDITION, "a PAX "
                        + (capturingGlobal ? "global" : "extended") + " header is larger than " + MAX_PAX_BYTES + " bytes");
            }
            capturing.write(buf, off, n);
        }
        return n;
    }

    @Override
    protected byte[] getLongNameData() throws IOException {
        TarArchiveEntry meta = getCurrentEntry();
        if (meta != null && meta.getSize() > MAX_LONG_NAME) {
            throw new IOException("a GNU long name is longer than " + MAX_LONG_NAME + " bytes");
        }
        boolean isName = meta != null && meta.isGNULongNameEntry();
        byte[] data = super.getLongNameData(); // reads the name, then the header it belongs to
        if (isName && data != null) {
            longName = data;
        }
        return data;
    }

    /** PAX records, {@code "<length> <key>=<value>\n"}, values as raw bytes; a later record wins. */
    static Map<String, byte[]> parsePax(byte[] data) throws IOException {
        Map<String, byte[]> records = new HashMap<>();
        int pos = 0;
        while (pos < data.length) {
            int space = pos;
            long length = 0;
            while (space < data.length && data[space] >= '0' && data[space] <= '9' && length < Integer.MAX_VALUE) {
                length = length * 10 + (data[space] - '0');
                space++;
            }
            if (space == pos && data[pos] == 0) {
                break; // NUL padding after the last record
            }
            int end = (int) Math.min(pos + length, Integer.MAX_VALUE);
            if (space == pos || space >= data.length || data[space] != ' ' || end > data.length || end <= space
                    || data[end - 1] != '\n') {
                throw new IOException("malformed PAX extended header record at offset " + pos);
            }
            int eq = space + 1;
            while (eq < end - 1 && data[eq] != '=') {
                eq++;
            }
            if (eq >= end - 1) {
                throw new IOException("malformed PAX extended header record at offset " + pos);
            }
            String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
            byte[] value = new byte[end - 1 - (eq + 1)];
            System.arraycopy(data, eq + 1, value, 0, value.length);
            records.put(key, value);
            pos = end;
        }
        return records;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
