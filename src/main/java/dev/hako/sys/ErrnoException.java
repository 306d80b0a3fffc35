package dev.hako.sys;

import java.io.IOException;

/** A failed libc call: names the call, the path and the errno, so callers can react to specific errors. */
public final class ErrnoException extends IOException {
    private final String call;
    private final int errno;

    public ErrnoException(String call, String path, int errno) {
        super(call + " " + path + ": " + Errno.describe(errno));
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
