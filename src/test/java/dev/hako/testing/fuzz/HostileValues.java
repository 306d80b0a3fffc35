package dev.hako.testing.fuzz;

import java.util.List;
import java.util.Random;

/**
 * Values a hostile or broken client might put in a CRI field, chosen by the field's type and name:
 * huge and NUL-bearing strings, {@code ..} escapes aimed at the fuzzer's host root and at /etc,
 * CNI_ARGS separators, out-of-range and overflowing numbers, real and fake IDs.
 */
final class HostileValues {
    static final int MIB = 1024 * 1024;
    /** Each escape names a file of its own: finding one on disk says which request made it. */
    static final String MARK = "hako-fuzz-";

    private final Random random;
    private final FuzzTargets t;
    private int serial;
    /** While set, IDs and images never name the fixtures: the call at hand would stop or remove them. */
    boolean protectFixtures;

    HostileValues(Random random, FuzzTargets targets) {
        this.random = random;
        this.t = targets;
    }

    String unique() {
        return MARK + (serial++);
    }

    <T> T pick(List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }

    /** A hostile string for a field named {@code name} (proto field name, e.g. {@code host_path}). */
    String string(String name) {
        int r = random.nextInt(100);
        if (r < 55) {
            if (name.contains("path") || name.contains("dir") || name.equals("cgroup_parent")
                    || name.contains("localhost_ref")) {
                return path();
            }
            if (name.equals("image") || name.equals("user_specified_image") || name.equals("runtime_handler")) {
                return image();
            }
            if (name.endsWith("id") || name.equals("id")) {
                return id();
            }
            if (name.equals("hostname") || name.equals("name") || name.equals("namespace") || name.equals("uid")) {
                return name();
            }
            if (name.startsWith("cpuset")) {
                return pick(List.of("0-99999", "0,", "-1", "0-1,3-2", "x", "0".repeat(MIB), "0-1".repeat(100_000)));
            }
        }
        return generic();
    }

    String generic() {
        return switch (random.nextInt(17)) {
            case 0 -> "a".repeat(MIB);
            case 1 -> "x\0y";
            case 2 -> "\0";
            case 3 -> "a;b=c,d";
            case 4 -> "a..b";
            case 5 -> "line\nbreak\r\n";
            case 6 -> "\u202etxt.exe\uD83D\uDE00";
            case 7 -> "-rf";
            case 8 -> "%n%s%x${jndi:ldap://127.0.0.1:9/x}";
            case 9 -> ".";
            case 10 -> "..";
            case 11 -> "";
            case 12 -> "b".repeat(10_000);
            case 13 -> "\u0001\u007f\u0085\u00ff";
            case 14 -> "*";
            case 15 -> unique();
            default -> "a.".repeat(MIB / 2);
        };
    }

    /** Paths that escape, do not exist, carry NULs or are longer than PATH_MAX. */
    String path() {
        String host = t.hostRoot().toString();
        return switch (random.nextInt(14)) {
            case 0 -> host + "/../../../../../../etc/" + unique();
            case 1 -> "../../../../../../../etc/" + unique();
            case 2 -> host + "/missing/" + unique() + "/deep";
            case 3 -> "/etc/" + unique();
            case 4 -> host + "/data\0/etc/" + unique();
            case 5 -> "/" + "a/".repeat(3000) + unique();
            case 6 -> host + "/data/../../" + unique();
            case 7 -> "relative/" + unique();
            case 8 -> t.logRoot() + "/../../../../../etc/" + unique();
            case 9 -> host + "/data";
            case 10 -> "/proc/self/root/etc/" + unique();
            case 11 -> "/dev/../etc/passwd";
            case 12 -> "";
            default -> "/" + "x".repeat(MIB);
        };
    }

    String image() {
        String reg = t.registryHost();
        return switch (random.nextInt(16)) {
            case 0 -> "a.".repeat(MIB / 2) + "a/b";
            case 1 -> "a".repeat(MIB);
            case 2 -> "a/".repeat(MIB / 2) + "b";
            case 3 -> reg + "/fuzz/busybox\0:1";
            case 4 -> "UPPER/Case:1";
            case 5 -> "a..b/x:1";
            case 6 -> reg + "/fuzz/missing:1";
            case 7 -> "docker.io/library/busybox:latest";
            case 8 -> "nowhere.invalid/x/y:z";
            case 9 -> reg + "/fuzz/busybox@sha256:" + "0".repeat(64);
            case 10 -> "@sha256:zz";
            case 11 -> ":";
            case 12 -> protectFixtures ? t.victimImage() : t.image();
            case 13 -> reg + "/fuzz/busybox:" + "t".repeat(MIB);
            case 14 -> "sha256:" + "f".repeat(64);
            default -> "127.0.0.1:9/x:" + unique();
        };
    }

    String id() {
        int r = random.nextInt(11);
        if (protectFixtures && r <= 3) {
            return unique();
        }
        return switch (r) {
            case 0 -> t.podId();
            case 1 -> t.containerId();
            case 2 -> t.containerId().substring(0, 1);
            case 3 -> t.podId().substring(0, 12);
            case 4 -> "0".repeat(64);
            case 5 -> "../../../etc/" + unique();
            case 6 -> "\0";
            case 7 -> "c".repeat(MIB);
            case 8 -> "%";
            case 9 -> "";
            default -> unique();
        };
    }

    String name() {
        return switch (random.nextInt(10)) {
            case 0 -> "pod;rm=x,y";
            case 1 -> "a..b";
            case 2 -> "-leading";
            case 3 -> "n".repeat(MIB);
            case 4 -> "with\0nul";
            case 5 -> "UPPER_case";
            case 6 -> "a/../b";
            case 7 -> "x".repeat(254);
            case 8 -> "ünï.cödé";
            default -> unique();
        };
    }

    long int64() {
        return pick(List.of(-1L, 0L, 1L, Long.MIN_VALUE, Long.MAX_VALUE, 2147483648L, 4294967295L, 4294967296L,
                -2147483649L, 262145L, 1000001L, 999L, 2L, 6L * MIB - 1, 65536L, -1000L, 1001L, -1001L));
    }

    int int32() {
        return pick(List.of(-1, 0, 1, Integer.MIN_VALUE, Integer.MAX_VALUE, 65536, 65535, 70000, 1001, -1001, 255, 256));
    }

    int enumNumber() {
        return pick(List.of(-1, 99, 1000, Integer.MAX_VALUE, Integer.MIN_VALUE, 5, 7));
    }
}
