package dev.hako.sys;

import java.io.IOException;

/**
 * A descriptor shared by several owners (two streams over one pty, a socket used by a reader and a
 * writer), closed exactly once: after its last owner let go and no call that {@link #acquire
 * acquired} it is still running. Closing an fd while another thread is inside {@code poll} or
 * {@code read} on it would let the kernel hand the same number to a new file, and that thread would
 * then read someone else's data.
 */
final class FdRef {
    private final int fd;
    private int owners;
    private int calls;

    FdRef(int fd) {
        this.fd = fd;
        this.owners = 1;
    }

    /** The descriptor for one call; pair with {@link #release}. Throws once every owner let go. */
    synchronized int acquire() throws IOException {
        if (owners == 0) {
            throw new IOException("fd " + fd + " is closed");
        }
        calls++;
        return fd;
    }

    void release() {
        boolean close;
        synchronized (this) {
            calls--;
            close = owners == 0 && calls == 0;
        }
        if (close) {
            ProcCalls.close(fd);
        }
    }

    /** Adds an owner; false when the descriptor is already gone. */
    synchronized boolean retain() {
        if (owners == 0) {
            return false;
        }
        owners++;
        return true;
    }

    /** Lets go of one owner's share (call once per owner); new calls are refused after the last. */
    void disown() {
        boolean close;
        synchronized (this) {
            if (owners == 0) {
                return;
            }
            owners--;
            close = owners == 0 && calls == 0;
        }
        if (close) {
            ProcCalls.close(fd);
        }
    }

    synchronized boolean isOpen() {
        return owners > 0;
    }

    int fd() {
        return fd;
    }
}
