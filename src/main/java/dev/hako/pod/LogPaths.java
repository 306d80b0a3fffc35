package dev.hako.pod;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import dev.hako.error.HakoException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Where container logs may be written: only inside the kubelet's pod log root
 * ({@code runtime.pod_log_root}, /var/log/pods by default). A pod's {@code log_directory} must be an
 * absolute path without {@code ..} that stays inside the root, and a container's {@code log_path} a
 * relative path without {@code ..} that stays inside the pod's directory — both also after
 * following the symlinks that exist (conmon opens the log as root and would follow them). An empty
 * {@code log_directory} or {@code log_path} means no CRI log, as before.
 */
public final class LogPaths {
    private static final int PATH_MAX = 4096;
    private static final int ECHO_MAX = 200;

    private LogPaths() {}

    /** RunPodSandbox: checks the pod's {@code log_directory} (named {@code field} in errors) against {@code root}. */
    public static void checkDirectory(String dir, Path root, String field) {
        if (!dir.isEmpty()) {
            confine(dir, root, field);
        }
    }

    /**
     * CreateContainer: the container's log file, or null when the pod or the container asks for no
     * CRI log. The pod's directory is checked again: symlinks may have changed since RunPodSandbox.
     */
    public static Path containerLog(String podDir, String logPath, Path root) {
        String field = "config.log_path";
        if (!logPath.isEmpty()) {
            checkText(logPath, field);
            if (logPath.startsWith("/")) {
                throw HakoException.invalidArgument(field, quote(logPath)
                        + " is absolute; it must be relative to the pod's log_directory");
            }
        }
        if (podDir.isEmpty() || logPath.isEmpty()) {
            return null;
        }
        Path dir = confine(podDir, root, "log_directory of the pod sandbox");
        Path file = dir.resolve(logPath).normalize();
        Path realDir = resolve(dir, field);
        Path realFile = resolve(file, field);
        if (!realFile.startsWith(realDir) || realFile.equals(realDir)) {
            throw HakoException.invalidArgument(field, quote(logPath) + " leaves the pod's log directory " + dir
                    + (realFile.equals(file) ? "" : " (it resolves to " + realFile + ")"));
        }
        return file;
    }

    /** An absolute path inside {@code root}, normalised; INVALID_ARGUMENT naming {@code field} otherwise. */
    static Path confine(String value, Path root, String field) {
        checkText(value, field);
        if (!value.startsWith("/")) {
            throw HakoException.invalidArgument(field, quote(value) + " is not an absolute path");
        }
        Path p = Path.of(value).normalize();
        Path realRoot = resolve(root.toAbsolutePath().normalize(), "runtime.pod_log_root");
        Path real = resolve(p, field);
        if (!real.startsWith(realRoot)) {
            throw HakoException.invalidArgument(field, quote(value) + " is outside the pod log root " + root
                    + " (runtime.pod_log_root)" + (real.equals(p) ? "" : "; it resolves to " + real));
        }
        return p;
    }

    /** No NUL, no {@code ..} segment, not longer than PATH_MAX. */
    private static void checkText(String value, String field) {
        if (value.indexOf('\0') >= 0) {
            throw HakoException.invalidArgument(field, quote(value) + " contains a NUL byte");
        }
        if (value.getBytes(StandardCharsets.UTF_8).length >= PATH_MAX) {
            throw HakoException.invalidArgument(field, "is longer than " + (PATH_MAX - 1) + " bytes");
        }
        for (String segment : value.split("/")) {
            if (segment.equals("..")) {
                throw HakoException.invalidArgument(field, quote(value) + " contains a \"..\" segment");
            }
        }
        try {
            Path.of(value);
        } catch (InvalidPathException e) {
            throw HakoException.invalidArgument(field, quote(value) + " is not a valid path: " + e.getReason());
        }
    }

    /**
     * {@code p} (absolute, normalised) with the symlinks of its longest existing prefix resolved; the
     * rest appended as is. A dangling symlink, or a non-directory in the middle, is INVALID_ARGUMENT.
     */
    private static Path resolve(Path p, String field) {
        Deque<Path> missing = new ArrayDeque<>();
        Path existing = p;
        while (existing.getParent() != null && !Files.exists(existing, NOFOLLOW_LINKS)) {
            missing.push(existing.getFileName());
            existing = existing.getParent();
        }
        Path real;
        try {
            real = existing.toRealPath();
        } catch (NoSuchFileException e) {
            throw HakoException.invalidArgument(field, existing + " is a symbolic link to nothing");
        } catch (IOException e) {
            throw HakoException.invalidArgument(field, "cannot resolve " + existing + ": " + e.getMessage());
        }
        if (!missing.isEmpty() && !Files.isDirectory(real)) {
            throw HakoException.invalidArgument(field, existing + " is not a directory");
        }
        for (Path name : missing) {
            real = real.resolve(name);
        }
        return real;
    }

    private static String quote(String value) {
        String shown = value.length() > ECHO_MAX ? value.substring(0, ECHO_MAX) + "…" : value;
        return "\"" + shown.replace("\0", "\\0") + "\"";
    }
}
