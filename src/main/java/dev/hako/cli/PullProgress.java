package dev.hako.cli;

import dev.hako.admin.v1.LayerProgress;
import dev.hako.sys.Terminals;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Renders pull progress, one line per layer: redrawn in place on a terminal (bytes, bar, rate),
 * or a line per change of phase when the output is a pipe or a file.
 */
final class PullProgress {
    private static final int BAR = 30;

    private final PrintStream out;
    private final boolean terminal;
    private final Map<String, Row> rows = new LinkedHashMap<>();
    private int drawnLines;
    private long lastDraw;

    PullProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /**
     * Whether standard output is a terminal that can redraw lines: {@code isatty(1)} (a TIOCGWINSZ
     * that works) and {@code TERM} not {@code dumb}. {@code System.console()} alone is not it: it
     * needs standard input to be a terminal as well, and says nothing of a redirected stdout.
     */
    static boolean stdoutIsTerminal(String term) {
        if ("dumb".equals(term)) {
            return false;
        }
        try {
            Terminals.size(1);
            return true;
        } catch (java.io.IOException e) {
            return false; // ENOTTY: a pipe or a file
        } catch (RuntimeException | LinkageError e) {
            return System.console() != null && System.console().isTerminal(); // no native access
        }
    }

    private static final class Row {
        final long started = System.nanoTime();
        long total;
        long done;
        String phase = "";
    }

    void update(LayerProgress p) {
        Row row = rows.computeIfAbsent(p.getDigest(), d -> new Row());
        boolean phaseChanged = !row.phase.equals(p.getPhase());
        row.total = p.getTotal();
        row.done = p.getDone();
        row.phase = p.getPhase();
        if (terminal) {
            long now = System.nanoTime();
            if (phaseChanged || now - lastDraw > 100_000_000L) {
                lastDraw = now;
                redraw();
            }
        } else if (phaseChanged) {
            out.println(line(p.getDigest(), row));
        }
    }

    void finish() {
        if (terminal) {
            redraw();
        }
    }

    private void redraw() {
        StringBuilder s = new StringBuilder();
        if (drawnLines > 0) {
            s.append("\033[").append(drawnLines).append('A');
        }
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            s.append("\r\033[2K").append(line(e.getKey(), e.getValue())).append('\n');
        }
        drawnLines = rows.size();
        out.print(s);
        out.flush();
    }

    static String line(String digest, Row r) {
        String id = digest.startsWith("sha256:") ? digest.substring(7, Math.min(digest.length(), 19)) : digest;
        double seconds = Math.max((System.nanoTime() - r.started) / 1e9, 0.001);
        String bar = "";
        if (r.phase.equals("pulling") || r.phase.equals("done")) {
            int filled = r.total > 0 ? (int) Math.min(BAR, BAR * r.done / r.total) : 0;
            bar = " [" + "=".repeat(filled) + (filled < BAR ? ">" + " ".repeat(BAR - filled - 1) : "") + "]";
        }
        String rate = r.phase.equals("pulling") || r.phase.equals("done")
                ? String.format("  %s/s", bytes((long) (r.done / seconds))) : "";
        return String.format("%s  %-9s%s %10s / %-10s%s", id, r.phase, bar, bytes(r.done), bytes(r.total), rate);
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        double v = n;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }
}
