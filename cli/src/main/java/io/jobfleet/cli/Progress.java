package io.jobfleet.cli;

import java.io.PrintStream;

/**
 * Progress of a long operation on stderr: a bar with rate and ETA redrawn in place on a
 * terminal, a plain line every 5 seconds when piped (logs stay readable).
 */
final class Progress {
    private final String verb;
    private final long total;
    private final boolean terminal = Terminal.interactive();
    private final PrintStream err = System.err;
    private final long started = System.nanoTime();
    private long lastDrawn;

    Progress(String verb, long total) {
        this.verb = verb;
        this.total = total;
    }

    void update(long done) {
        long now = System.nanoTime();
        if (terminal ? now - lastDrawn < 100_000_000L : now - lastDrawn < 5_000_000_000L) return;
        lastDrawn = now;
        String line = line(done, now);
        if (terminal) err.print("\r" + line + "   ");
        else err.println(line);
    }

    void finish(long done) {
        if (terminal) err.print("\r");
        err.println(line(done, System.nanoTime()));
    }

    private String line(long done, long now) {
        double seconds = Math.max(0.001, (now - started) / 1e9);
        long rate = (long) (done / seconds);
        StringBuilder s = new StringBuilder(verb).append(' ').append(done);
        if (total > 0) {
            int percent = (int) Math.min(100, 100 * done / total);
            if (terminal) s.insert(0, "[" + "#".repeat(percent / 5) + ".".repeat(20 - percent / 5) + "] ");
            s.append('/').append(total).append(" (").append(percent).append("%)");
        }
        s.append(", ").append(rate).append("/s");
        if (total > done && rate > 0) s.append(", ETA ").append(Table.age(1000 * (total - done) / rate));
        s.append(", ").append(String.format("%.1f", seconds)).append(" s");
        return s.toString();
    }
}
