package dev.hako.container;

import dev.hako.cri.v1.Signal;
import java.util.Locale;
import java.util.Map;

/** Signal names to numbers (x86-64 Linux), for CRI stop_signal and the image's StopSignal. */
final class Signals {
    static final int SIGKILL = 9;
    static final int SIGTERM = 15;

    private static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5),
            Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7), Map.entry("FPE", 8), Map.entry("KILL", 9),
            Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12), Map.entry("PIPE", 13),
            Map.entry("ALRM", 14), Map.entry("TERM", 15), Map.entry("STKFLT", 16), Map.entry("CHLD", 17),
            Map.entry("CONT", 18), Map.entry("STOP", 19), Map.entry("TSTP", 20), Map.entry("TTIN", 21),
            Map.entry("TTOU", 22), Map.entry("URG", 23), Map.entry("XCPU", 24), Map.entry("XFSZ", 25),
            Map.entry("VTALRM", 26), Map.entry("PROF", 27), Map.entry("WINCH", 28), Map.entry("IO", 29),
            Map.entry("POLL", 29), Map.entry("PWR", 30), Map.entry("SYS", 31), Map.entry("RTMIN", 34));

    private Signals() {}

    /** The signal to stop with: the container's stop_signal, else the image's StopSignal, else SIGTERM. */
    static int stopSignal(Signal cri, String imageStopSignal) {
        if (cri != null && cri != Signal.SIGNAL_RUNTIME_DEFAULT && cri != Signal.UNRECOGNIZED) {
            Integer n = byName(cri.name().substring("SIGNAL_".length()));
            if (n != null) {
                return n;
            }
        }
        if (imageStopSignal != null && !imageStopSignal.isEmpty()) {
            Integer n = byName(imageStopSignal);
            if (n != null) {
                return n;
            }
        }
        return SIGTERM;
    }

    static Integer byName(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        if (n.chars().allMatch(Character::isDigit)) {
            return Integer.parseInt(n);
        }
        if (n.startsWith("SIG")) {
            n = n.substring(3);
        }
        if (n.startsWith("RTMINPLUS")) {
            return 34 + Integer.parseInt(n.substring(9));
        }
        return NUMBERS.get(n);
    }
}
