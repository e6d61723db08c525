package io.jobfleet.worker.faults;

import io.jobfleet.worker.faults.HistoryChecker.Run;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the flow-control tests read from a history: the handlers' start and end lines of
 * {@link FlowWorker} (which add the claim's Redis-clock {@code startedAt} and the job type to
 * {@link HistoryChecker}'s format), how many runs overlapped at most, and how many starts fell
 * in one window.
 */
final class FlowHistory {
    private FlowHistory() {}

    /** One line of a {@link FlowWorker}: a start or an end, by the handler's clock and the claim's. */
    record Line(String jobId, String key, String worker, boolean end, long localMs, long startedAt, String type) {}

    static List<Line> lines(Path history) {
        List<Line> lines = new ArrayList<>();
        for (String[] f : HistoryLog.read(history, "exec-")) {
            lines.add(new Line(f[1], f[2], f[3], f[0].equals("E"), Long.parseLong(f[5]), Long.parseLong(f[6]), f[7]));
        }
        return lines;
    }

    static List<Line> starts(Path history, String type) {
        return lines(history).stream()
                .filter(l -> !l.end() && l.type().equals(type))
                .toList();
    }

    /** The most runs in progress at one instant ({@code count}), the first such instant, and those runs. */
    record Peak(int count, long atMs, List<String> open) {}

    /**
     * The most runs in progress at one instant, by the handlers' clocks. A run is open from its
     * start line to its end or failure line; one whose job starts again first was cut short (a
     * crash, a lost lease: a reaped job can run again with the same attempt number): it closes
     * when its worker was killed ({@code killedAt}, worker id to ms) or when the job's next run
     * started, whichever came first (that claim came after this run's lease was taken back, with
     * its slot); one with neither closes at its worker's kill, else never (it counts to the end).
     * So this measures slots: a handler that runs on past its lost lease until it notices is not
     * counted past the reap. An end and a start at the same millisecond do
     * not overlap: the end was written before the job was acknowledged, the start after the
     * next claim.
     */
    static Peak maxRunning(List<Run> runs, Map<String, Long> killedAt) {
        Map<String, List<Run>> byJob = new HashMap<>();
        for (Run r : runs)
            byJob.computeIfAbsent(r.jobId(), k -> new ArrayList<>()).add(r);
        List<Interval> intervals = new ArrayList<>();
        for (List<Run> job : byJob.values()) {
            job.sort(java.util.Comparator.comparingLong(Run::atMs));
            for (int i = 0; i < job.size(); i++) {
                Run start = job.get(i);
                if (!start.start()) continue;
                intervals.add(new Interval(start, closing(start, job.subList(i + 1, job.size()), killedAt)));
            }
        }
        List<long[]> events = new ArrayList<>(); // {ms, +1 | -1}
        for (Interval in : intervals) {
            events.add(new long[] {in.start().atMs(), 1});
            events.add(new long[] {in.endMs(), -1});
        }
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int running = 0;
        int max = 0;
        long at = 0;
        for (long[] e : events) {
            running += (int) e[1];
            if (running > max) {
                max = running;
                at = e[0];
            }
        }
        long peak = at;
        List<String> open = intervals.stream()
                .filter(in -> in.start().atMs() <= peak && in.endMs() > peak)
                .map(in -> in.start().jobId() + "@" + in.start().worker() + " "
                        + in.start().atMs() + ".."
                        + (in.endMs() == Long.MAX_VALUE ? "open" : Long.toString(in.endMs())))
                .toList();
        return new Peak(max, at, open);
    }

    private record Interval(Run start, long endMs) {}

    private static long closing(Run start, List<Run> later, Map<String, Long> killedAt) {
        Long kill = killedAt.get(start.worker());
        long end = kill != null && kill >= start.atMs() ? kill : Long.MAX_VALUE;
        for (Run r : later) {
            if (r.start()) return Math.min(end, r.atMs()); // ran again: this run was cut short before
            if (r.worker().equals(start.worker()) && r.attempt() == start.attempt()) return r.atMs();
        }
        return end;
    }

    /** The most of these times (ms) that fall in one window {@code [t, t + windowMs)}. */
    static int maxInWindow(List<Long> times, long windowMs) {
        long[] sorted = times.stream().mapToLong(Long::longValue).sorted().toArray();
        int max = 0;
        for (int from = 0, to = 0; from < sorted.length; from++) {
            while (to < sorted.length && sorted[to] < sorted[from] + windowMs) to++;
            max = Math.max(max, to - from);
        }
        return max;
    }
}
