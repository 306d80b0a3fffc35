package dev.hako.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;

class EntryXattrsTest {
    private static LayerTarInputStream.Entry entry(Map<String, String> decoded, Map<String, byte[]> raw) {
        TarArchiveEntry h = new TarArchiveEntry("bin/ping");
        decoded.forEach(h::addPaxHeader);
        return new LayerTarInputStream.Entry(h, "bin/ping", null, raw);
    }

    @Test
    void noPaxRecordsNoXattrs() {
        assertThat(EntryXattrs.of(entry(Map.of(), Map.of()))).isEmpty();
    }

    @Test
    void onlySchilyRecordsByAttributeName() {
        Map<String, byte[]> x = EntryXattrs.of(entry(Map.of("SCHILY.xattr.user.a", "1", "LIBARCHIVE.x", "2"), Map.of()));
        assertThat(x).containsOnlyKeys("user.a");
        assertThat(x.get("user.a")).isEqualTo("1".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void rawBytesWinOverTheDecodedValue() {
        byte[] cap = {1, 0, 0, 2, (byte) 0x80, 0, 0, 0};
        Map<String, byte[]> x = EntryXattrs.of(entry(
                Map.of("SCHILY.xattr.security.capability", new String(cap, StandardCharsets.UTF_8)),
                Map.of("SCHILY.xattr.security.capability", cap, "path", "bin/ping".getBytes(StandardCharsets.UTF_8))));
        assertThat(x).containsOnlyKeys("security.capability");
        assertThat(x.get("security.capability")).isEqualTo(cap);
    }

    @Test
    void overlayNamespaceAndEmptyNamesAreNotTheArchivesToSet() {
        assertThat(EntryXattrs.settable("user.mime_type")).isTrue();
        assertThat(EntryXattrs.settable("security.capability")).isTrue();
        assertThat(EntryXattrs.settable("trusted.overlay.opaque")).isFalse();
        assertThat(EntryXattrs.settable("trusted.overlay.redirect")).isFalse();
        assertThat(EntryXattrs.settable("")).isFalse();
    }
}
