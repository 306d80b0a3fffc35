package dev.hako.monitor;

import dev.hako.json.Json;
import dev.hako.sys.ProcCalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The two fifos conmon gets as descriptors 3 (sync) and 4 (start), with Hako's own ends open read-write
 * and non-blocking: neither open waits, and since Hako holds a write end of the sync fifo too it never
 * sees end-of-file there, so it polls with a deadline and watches conmon's pid. One byte on the start
 * fifo lets conmon go on; conmon answers with JSON lines on the sync fifo: {@code {"pid": N}} or
 * {@code {"pid": -1, "message": …}} for a create, {@code {"exit_code": N, "message": …}} for an exec.
 */
final class SyncPipes implements AutoCloseable {
    final Path sync;
    final Path start;
    private final int syncFd;
    private final int startFd;

    private SyncPipes(Path sync, Path start, int syncFd, int startFd) {
        this.sync = sync;
        this.start = start;
        this.syncFd = syncFd;
        this.startFd = startFd;
    }

    /** Makes {@code <prefix>-sync.fifo} and {@code <prefix>-start.fifo} (0600) in {@code dir} and opens them. */
    static SyncPipes open(Path dir, String prefix) throws IOException {
        Path sync = dir.resolve(prefix + "-sync.fifo");
        Path start = dir.resolve(prefix + "-start.fifo");
        Files.deleteIfExists(sync);
        Files.deleteIfExists(start);
        ProcCalls.mkfifo(sync, 0600);
        ProcCalls.mkfifo(start, 0600);
        int s = -1;
        try {
            s = ProcCalls.open(sync, ProcCalls.O_RDWR | ProcCalls.O_NONBLOCK);
            int t = ProcCalls.open(start, ProcCalls.O_RDWR | ProcCalls.O_NONBLOCK);
            return new SyncPipes(sync, start, s, t);
        } catch (IOException e) {
            ProcCalls.close(s);
            Files.deleteIfExists(sync);
            Files.deleteIfExists(start);
            throw e;
        }
    }

    /** The start byte: conmon goes on once it reads it. */
    void release() throws IOException {
        ProcCalls.write(startFd, new byte[] {'0'});
    }

    /**
     * Reads one JSON line from the sync fifo, waiting until {@code deadline}; gives up early (null)
     * once {@code monitorPid} is gone and nothing is left to read.
     */
    Map<String, Object> awaitMessage(long deadline, int monitorPid) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        while (true) {
            Map<String, Object> m = drainLine(buf);
            if (m != null) {
                return m;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            int wait = (int) Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 100);
            int ev = ProcCalls.poll(syncFd, ProcCalls.POLLIN, wait);
            if (ev == 0 && monitorPid > 0 && !ProcessHandle.of(monitorPid).map(ProcessHandle::isAlive).orElse(false)) {
                Map<String, Object> last = drainLine(buf); // it may have written just before exiting
                return last;
            }
        }
    }

    /** What conmon left on the sync fifo after exiting: the last JSON object carrying {@code key}, or null. */
    Map<String, Object> leftMessage(String key) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        drain(buf);
        return lastMessageWith(buf.toString(StandardCharsets.UTF_8), key);
    }

    private Map<String, Object> drainLine(ByteArrayOutputStream buf) throws IOException {
        drain(buf);
        return firstMessage(buf.toString(StandardCharsets.UTF_8));
    }

    private void drain(ByteArrayOutputStream buf) throws IOException {
        byte[] chunk;
        while ((chunk = ProcCalls.read(syncFd, 65536)) != null && chunk.length > 0) {
            buf.write(chunk);
        }
    }

    /** The message on the first complete line of {@code text}, or null while no line is complete. */
    static Map<String, Object> firstMessage(String text) {
        int nl = text.indexOf('\n');
        if (nl < 0) {
            return null;
        }
        return parse(text.substring(0, nl));
    }

    /** Of the messages in {@code text}, one a line, the last carrying {@code key}; null if none does. */
    static Map<String, Object> lastMessageWith(String text, String key) {
        Map<String, Object> found = null;
        for (String line : text.split("\n")) {
            Map<String, Object> m = parse(line);
            if (m != null && m.containsKey(key)) {
                found = m;
            }
        }
        return found;
    }

    /** One line as a message: null when blank, a failure (pid and exit code -1) when it is no JSON object. */
    static Map<String, Object> parse(String line) {
        String l = line.strip();
        if (l.isEmpty()) {
            return null;
        }
        try {
            return Json.parseObject(l);
        } catch (IllegalArgumentException e) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pid", -1L);
            m.put("exit_code", -1L);
            m.put("message", "unreadable answer from conmon: " + l);
            return m;
        }
    }

    @Override
    public void close() {
        ProcCalls.close(syncFd);
        ProcCalls.close(startFd);
        try {
            Files.deleteIfExists(sync);
            Files.deleteIfExists(start);
        } catch (IOException e) {
            // the directory goes with the bundle
        }
    }
}
