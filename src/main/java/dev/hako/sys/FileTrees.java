package dev.hako.sys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Deleting trees that hold whatever an image or a container put there (layers, writable layers,
 * bundles): never follow a symlink, never open a device or fifo, get into directories made 0000,
 * never cross into a mount, and cope with trees deeper than PATH_MAX (a container can build one
 * with {@code while mkdir x && cd x; do :; done}).
 *
 * <p>The walk works on directory descriptors and single names ({@code openat}, {@code unlinkat}),
 * never on paths below the starting one, so depth does not matter. It holds one descriptor at a
 * time: going down opens the child and closes the parent, going up opens {@code ..} and checks it
 * is the directory it came from (device and inode), so a tree of any depth costs one descriptor
 * and memory for the names on the way down.
 */
public final class FileTrees {
    private FileTrees() {}

    private static final byte[] DOTDOT = {'.', '.'};
    private static final int OPEN_DIR = AtCalls.O_RDONLY | AtCalls.O_DIRECTORY | AtCalls.O_NOFOLLOW;
    /** Subdirectory names remembered per directory before descending; more means another listing later. */
    private static final int MAX_PENDING = 1024;
    /** Times a directory found non-empty at rmdir (something was added meanwhile) is emptied again. */
    private static final int MAX_RETRIES = 100;

    /**
     * Deletes {@code path} and everything below it; a missing path is fine. Symlinks are removed, not
     * followed; devices and fifos are just unlinked, never opened; directories images ship as 0555 or
     * 0000 are made accessible first (root needs no such help, anyone else does). A mount point
     * anywhere in the tree stops the delete with an error before anything of the mount is touched.
     * Runs on a platform thread of its own when called from a virtual one.
     */
    public static void delete(Path path) throws IOException {
        if (Thread.currentThread().isVirtual()) {
            OffCarrier.run("hako-delete", () -> deleteHere(path));
        } else {
            deleteHere(path);
        }
    }

    private static void deleteHere(Path path) throws IOException {
        Path abs = path.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) {
            throw new IOException("refusing to delete " + abs);
        }
        try (AtCalls at = new AtCalls()) {
            int parentFd;
            try {
                parentFd = at.open(parent.toString(), AtCalls.O_RDONLY | AtCalls.O_DIRECTORY);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT) {
                    return;
                }
                throw new IOException("cannot delete " + abs + ": " + e.getMessage(), e);
            }
            try {
                new Walk(at, parentFd, abs.getFileName().toString().getBytes(StandardCharsets.UTF_8), abs).run();
            } finally {
                AtCalls.close(parentFd);
            }
        }
    }

    /** A directory on the way down: its name in its parent, what it is, and the subdirectories still to empty. */
    private static final class Frame {
        final byte[] name;
        final AtCalls.Stat stat;
        final ArrayDeque<byte[]> subdirs = new ArrayDeque<>();
        boolean listed;
        boolean complete;

        Frame(byte[] name, AtCalls.Stat stat) {
            this.name = name;
            this.stat = stat;
        }
    }

    private record Opened(int fd, AtCalls.Stat stat) {}

    /** One delete: the descriptor of the directory being emptied and the frames above it. */
    private static final class Walk {
        private final AtCalls at;
        private final int topParent;
        private final byte[] topName;
        private final Path top;
        private final Deque<Frame> stack = new ArrayDeque<>();
        private int retries;

        Walk(AtCalls at, int topParent, byte[] topName, Path top) {
            this.at = at;
            this.topParent = topParent;
            this.topName = topName;
            this.top = top;
        }

        void run() throws IOException {
            try {
                walk();
            } catch (ErrnoException e) {
                throw new IOException("cannot delete " + top + ": " + e.getMessage() + where(), e);
            }
        }

        private void walk() throws IOException {
            AtCalls.Stat st;
            try {
                st = at.stat(topParent, topName);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT) {
                    return;
                }
                throw e;
            }
            if (!st.isDirectory()) {
                unlink(topParent, topName);
                return;
            }
            AtCalls.Stat parentStat = at.stat(topParent);
            while (true) {
                Opened o = enter(topParent, topName, parentStat);
                if (o == null) {
                    return; // gone, or it was not a directory and is unlinked
                }
                stack.push(new Frame(topName, o.stat()));
                if (empty(o.fd())) {
                    return;
                }
                stack.clear(); // something was added to the top directory meanwhile: once more
            }
        }

        /**
         * Empties the tree whose top frame is on the stack, {@code fd} being its descriptor (closed
         * here), then removes the top directory; false when that one was found non-empty again.
         */
        private boolean empty(int fd) throws IOException {
            int cur = fd;
            try {
                while (true) {
                    Frame f = stack.peek();
                    if (!f.listed || (f.subdirs.isEmpty() && !f.complete)) {
                        list(cur, f);
                    }
                    byte[] next = f.subdirs.poll();
                    if (next != null) {
                        Opened child = enter(cur, next, f.stat);
                        if (child != null) {
                            AtCalls.close(cur);
                            cur = child.fd();
                            stack.push(new Frame(next, child.stat()));
                        }
                        continue;
                    }
                    if (stack.size() == 1) {
                        AtCalls.close(cur);
                        cur = -1;
                        return rmdir(topParent, topName);
                    }
                    int up = at.openat(cur, DOTDOT, OPEN_DIR);
                    AtCalls.close(cur);
                    cur = up;
                    stack.pop();
                    Frame parent = stack.peek();
                    if (!at.stat(cur).sameInode(parent.stat)) {
                        throw new IOException("cannot delete " + top + ": a directory was moved while it was being deleted"
                                + where());
                    }
                    if (!rmdir(cur, f.name)) {
                        parent.subdirs.addFirst(f.name);
                    }
                }
            } finally {
                AtCalls.close(cur);
            }
        }

        /** Lists {@code f}: unlinks everything but directories, remembers up to {@link #MAX_PENDING} of those. */
        private void list(int fd, Frame f) throws IOException {
            f.listed = true;
            f.complete = true;
            List<AtCalls.Entry> batch;
            while ((batch = at.readBatch(fd)) != null) {
                for (AtCalls.Entry e : batch) {
                    boolean dir = e.type() == AtCalls.DT_DIR;
                    if (e.type() == AtCalls.DT_UNKNOWN) { // file systems that do not fill d_type
                        try {
                            dir = at.stat(fd, e.name()).isDirectory();
                        } catch (ErrnoException gone) {
                            if (gone.errno() == Errno.ENOENT) {
                                continue;
                            }
                            throw gone;
                        }
                    }
                    if (dir || !unlink(fd, e.name())) {
                        f.subdirs.add(e.name());
                    }
                }
                if (f.subdirs.size() >= MAX_PENDING) {
                    f.complete = false; // the rest after these: a listing from the start then finds only the rest
                    return;
                }
            }
        }

        /**
         * Opens directory {@code name} of {@code dirfd} (never through a symlink) and makes it
         * writable for its owner; null when it is gone or is not a directory (then it is unlinked).
         * A directory on another device or at the root of a mount is refused: that is a mount point.
         */
        private Opened enter(int dirfd, byte[] name, AtCalls.Stat parentStat) throws IOException {
            int fd;
            try {
                fd = at.openat(dirfd, name, OPEN_DIR);
            } catch (ErrnoException e) {
                switch (e.errno()) {
                    case Errno.ENOENT -> {
                        return null;
                    }
                    case Errno.ENOTDIR, Errno.ELOOP -> { // a symlink or file now: just a name to remove
                        unlink(dirfd, name);
                        return null;
                    }
                    case Errno.EACCES -> fd = unlockAndOpen(dirfd, name);
                    default -> throw e;
                }
                if (fd < 0) {
                    return null;
                }
            }
            try {
                AtCalls.Stat st = at.stat(fd);
                if (st.dev() != parentStat.dev() || st.mountRoot()) {
                    throw new IOException("cannot delete " + top + ": \"" + AtCalls.printable(name)
                            + "\" is a mount point; unmount it first" + where());
                }
                if ((st.mode() & 0700) != 0700) {
                    at.fchmod(fd, (st.mode() & 07777) | 0700); // to list it and unlink in it without root's powers
                }
                return new Opened(fd, st);
            } catch (IOException | RuntimeException e) {
                AtCalls.close(fd);
                throw e;
            }
        }

        /** A directory its owner may not read (0000): chmod the inode held by an O_PATH descriptor, then open. */
        private int unlockAndOpen(int dirfd, byte[] name) throws ErrnoException {
            int path;
            try {
                path = at.openat(dirfd, name, AtCalls.O_PATH | AtCalls.O_DIRECTORY | AtCalls.O_NOFOLLOW);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT) {
                    return -1;
                }
                throw e;
            }
            try {
                at.chmodOpath(path, (at.stat(path).mode() & 07777) | 0700);
            } finally {
                AtCalls.close(path);
            }
            return at.openat(dirfd, name, OPEN_DIR);
        }

        /** Unlinks a non-directory; false when it turned out to be a directory. */
        private boolean unlink(int dirfd, byte[] name) throws ErrnoException {
            try {
                at.unlinkat(dirfd, name, 0);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EISDIR) {
                    return false;
                }
                if (e.errno() != Errno.ENOENT) {
                    throw e;
                }
            }
            return true;
        }

        /** Removes an emptied directory; false when it is not empty (something was added meanwhile). */
        private boolean rmdir(int dirfd, byte[] name) throws IOException {
            try {
                at.unlinkat(dirfd, name, AtCalls.AT_REMOVEDIR);
                return true;
            } catch (ErrnoException e) {
                if (e.errno() == Errno.ENOENT) {
                    return true;
                }
                if ((e.errno() != Errno.ENOTEMPTY && e.errno() != Errno.EEXIST) || ++retries > MAX_RETRIES) {
                    throw e;
                }
                return false;
            }
        }

        /** Where in the tree the walk is, for messages: the depth and the last few names. */
        private String where() {
            if (stack.size() <= 1) {
                return "";
            }
            StringBuilder s = new StringBuilder();
            int shown = 0;
            for (Frame f : stack) { // top of the stack (deepest) first
                if (shown == 3) {
                    s.insert(0, ".../");
                    break;
                }
                s.insert(0, (shown == 0 ? "" : "/")).insert(0, AtCalls.printable(f.name));
                shown++;
            }
            return " (" + (stack.size() - 1) + " levels down, at " + s + ")";
        }
    }
}
