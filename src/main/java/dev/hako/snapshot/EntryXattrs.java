package dev.hako.snapshot;

import dev.hako.sys.Errno;
import dev.hako.sys.ErrnoException;
import dev.hako.sys.FileCalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Extended attributes a tar entry carries as {@code SCHILY.xattr.*} PAX records. */
final class EntryXattrs {
    private EntryXattrs() {}

    private static final String XATTR = "SCHILY.xattr.";

    /**
     * The entry's {@code SCHILY.xattr.*} records by attribute name, values as raw bytes: the raw PAX
     * record wins over commons' UTF-8 decoding of it, which mangles binary values.
     */
    static Map<String, byte[]> of(LayerTarInputStream.Entry entry) {
        Map<String, String> decoded = entry.header().getExtraPaxHeaders(); // global headers end up here too
        if (decoded.isEmpty() && entry.pax().isEmpty()) {
            return Map.of();
        }
        Map<String, byte[]> xattrs = new HashMap<>();
        decoded.forEach((k, v) -> {
            if (k.startsWith(XATTR)) {
                xattrs.put(k.substring(XATTR.length()), v.getBytes(StandardCharsets.UTF_8));
            }
        });
        entry.pax().forEach((k, v) -> {
            if (k.startsWith(XATTR)) {
                xattrs.put(k.substring(XATTR.length()), v);
            }
        });
        return xattrs;
    }

    /**
     * Whether the archive may set attribute {@code key}: {@code trusted.overlay.*} is overlayfs's own
     * namespace, set only from whiteouts, never by the archive directly.
     */
    static boolean settable(String key) {
        return !key.isEmpty() && !key.startsWith("trusted.overlay.");
    }

    /**
     * Sets the entry's attributes on {@code path}. Skipped where the file system lacks the namespace,
     * and {@code user.*} where the kernel refuses it ({@code userAllowed} false: it allows user.* only
     * on regular files and directories).
     */
    static void set(LayerTarInputStream.Entry entry, Path path, boolean userAllowed) throws IOException {
        for (Map.Entry<String, byte[]> x : of(entry).entrySet()) {
            String key = x.getKey();
            if (!settable(key)) {
                continue;
            }
            try {
                FileCalls.lsetxattr(path, key, x.getValue());
            } catch (ErrnoException e) {
                // the file system lacks the namespace, or the kernel allows user.* only on files and dirs
                boolean skip = e.errno() == Errno.EOPNOTSUPP
                        || (e.errno() == Errno.EPERM && !userAllowed && key.startsWith("user."));
                if (!skip) {
                    throw e;
                }
            }
        }
    }
}
