package dev.hako.store;

import dev.hako.log.Log;
import dev.hako.sys.PrivateFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * Keeps sqlite-jdbc's native library in a directory of the daemon's own, extracted once.
 * Left to itself, sqlite-jdbc copies the library out of the jar into /tmp on every start and then
 * compares the copy byte by byte in interpreted code (about 150 ms of the daemon's start on a
 * 2-vCPU machine), and a killed daemon leaves the copy behind. The cached file is named after the
 * sqlite-jdbc version, so a different sqlite-jdbc gets a file of its own and a start finds its own
 * without inflating the jar's copy (only a build without a version falls back to naming it after the
 * copy's CRC-32); it is written to a temporary name, synced and renamed, so a crash never leaves a
 * half-written library under the final name.
 */
final class SqliteNativeLibrary {
    private static final Log LOG = Log.of("store");
    private static boolean prepared;

    private SqliteNativeLibrary() {}

    /**
     * Points sqlite-jdbc at the cached library in {@code dir} (0700), extracting it first if needed.
     * Any failure is logged and leaves sqlite-jdbc to its own loading, which still works.
     */
    static synchronized void prepare(Path dir) {
        if (prepared || System.getProperty("org.sqlite.lib.path") != null) {
            return;
        }
        prepared = true;
        String name = LibraryLoaderUtil.getNativeLibName();
        String resource = LibraryLoaderUtil.getNativeLibResourcePath() + "/" + name;
        try {
            String version = org.sqlite.SQLiteJDBCLoader.getVersion();
            String cached = version == null || version.isBlank() || version.equals("unknown") ? null
                    : "sqlite-" + version.strip() + "-" + name;
            if (cached == null || !Files.isRegularFile(dir.resolve(cached), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                byte[] bytes;
                try (InputStream in = org.sqlite.JDBC.class.getResourceAsStream(resource)) {
                    if (in == null) {
                        return; // no bundled library for this platform: sqlite-jdbc looks elsewhere
                    }
                    bytes = in.readAllBytes();
                }
                if (cached == null) {
                    cached = "sqlite-" + crc(bytes) + "-" + name;
                }
                Path file = dir.resolve(cached);
                if (!sameContent(file, bytes)) {
                    PrivateFiles.directory(dir);
                    Path tmp = dir.resolve(cached + ".tmp");
                    Files.write(tmp, bytes, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                            StandardOpenOption.WRITE, StandardOpenOption.SYNC);
                    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("r-x------"));
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    LOG.info("extracted the SQLite native library", "path", file);
                }
            }
            System.setProperty("org.sqlite.lib.path", dir.toString());
            System.setProperty("org.sqlite.lib.name", cached);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot cache the SQLite native library; sqlite-jdbc extracts its own", "path", dir,
                    "error", Log.cause(e));
        }
    }

    private static boolean sameContent(Path file, byte[] bytes) throws IOException {
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) || Files.size(file) != bytes.length) {
            return false;
        }
        // CRC32 is an intrinsic even in the interpreter, unlike a byte-wise comparison
        return crc(Files.readAllBytes(file)).equals(crc(bytes));
    }

    private static String crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return String.format("%08x", crc.getValue());
    }
}
