package dev.hako.sys;

/**
 * Linux errno values (x86-64 and arm64 share them) and their names, for error messages that say
 * {@code EEXIST (File exists)} instead of a bare number. A table, not strerror(3): deterministic and
 * independent of the C locale.
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EIO = 5;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int ERANGE = 34;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    public static final int EOPNOTSUPP = 95;
    public static final int ENOTSOCK = 88;
    public static final int EADDRINUSE = 98;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EDQUOT = 122;

    /** {@code NAME (description)}, or {@code errno N} for values outside the table. */
    public static String describe(int errno) {
        String text = switch (errno) {
            case EPERM -> "EPERM (Operation not permitted)";
            case ENOENT -> "ENOENT (No such file or directory)";
            case EIO -> "EIO (Input/output error)";
            case E2BIG -> "E2BIG (Argument list too long)";
            case EBADF -> "EBADF (Bad file descriptor)";
            case ENOMEM -> "ENOMEM (Cannot allocate memory)";
            case EACCES -> "EACCES (Permission denied)";
            case EFAULT -> "EFAULT (Bad address)";
            case EBUSY -> "EBUSY (Device or resource busy)";
            case EEXIST -> "EEXIST (File exists)";
            case EXDEV -> "EXDEV (Invalid cross-device link)";
            case ENODEV -> "ENODEV (No such device)";
            case ENOTDIR -> "ENOTDIR (Not a directory)";
            case EISDIR -> "EISDIR (Is a directory)";
            case EINVAL -> "EINVAL (Invalid argument)";
            case ENOSPC -> "ENOSPC (No space left on device)";
            case EROFS -> "EROFS (Read-only file system)";
            case EMLINK -> "EMLINK (Too many links)";
            case ERANGE -> "ERANGE (Numerical result out of range)";
            case ENAMETOOLONG -> "ENAMETOOLONG (File name too long)";
            case ENOSYS -> "ENOSYS (Function not implemented)";
            case ENOTEMPTY -> "ENOTEMPTY (Directory not empty)";
            case ELOOP -> "ELOOP (Too many levels of symbolic links)";
            case ENODATA -> "ENODATA (No data available)";
            case EOPNOTSUPP -> "EOPNOTSUPP (Operation not supported)";
            case ENOTSOCK -> "ENOTSOCK (Socket operation on non-socket)";
            case EADDRINUSE -> "EADDRINUSE (Address already in use)";
            case ECONNABORTED -> "ECONNABORTED (Software caused connection abort)";
            case ECONNRESET -> "ECONNRESET (Connection reset by peer)";
            case ETIMEDOUT -> "ETIMEDOUT (Connection timed out)";
            case ECONNREFUSED -> "ECONNREFUSED (Connection refused)";
            case EDQUOT -> "EDQUOT (Disk quota exceeded)";
            default -> null;
        };
        return text != null ? text : "errno " + errno;
    }
}
