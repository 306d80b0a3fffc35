package dev.hako.daemon;

import dev.hako.sys.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * An advisory lock file (fcntl) holding the owner's pid. The kernel drops the lock when the process
 * dies, so a crashed daemon never leaves a stale lock behind, unlike a pid file checked by hand.
 */
final class ExclusiveLock implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private ExclusiveLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or fails naming the process that holds it; {@code what} describes the resource. */
    static ExclusiveLock acquire(Path file, String what) throws StartupException {
        try {
            // 0600: a user who could open it could hold a read lock on it and keep every daemon from starting
            FileChannel ch = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PrivateFiles.FILE));
            Files.setPosixFilePermissions(file, PrivateFiles.FILE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                String holder = readHolder(ch);
                ch.close();
                throw new StartupException(StartupException.FAILURE, "another hako daemon" + holder + " is already using "
                        + what + " (lock " + file + " is held); stop it first or configure a different one");
            }
            ch.truncate(0);
            // no fsync: the pid is only for the error message of a second daemon, which reads the page
            // cache; after a crash the lock is free again whatever the file says (an fsync cost ~30 ms)
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return new ExclusiveLock(file, ch, lock);
        } catch (IOException e) {
            throw new StartupException(StartupException.FAILURE, "cannot lock " + file + ": " + e.getMessage());
        }
    }

    private static String readHolder(FileChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(32);
        ch.read(buf, 0);
        String pid = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII).strip();
        return pid.matches("\\d+") ? " (pid " + pid + ")" : "";
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the lock goes away with the process anyway
        }
    }
}
