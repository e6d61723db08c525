package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.worker.faults.HistoryChecker.Run;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fault 1: SIGKILL of a random worker JVM every 2 s under steady load, 50 cycles, three JVMs
 * with a 1.5 s lease (each killed one is replaced). No acknowledged job is lost or stuck; the
 * killed worker's in-flight jobs are re-claimed after their lease runs out, and the time from
 * SIGKILL to re-claim is printed as p50 / p99 over the cycles.
 */
@Tag("slow")
class WorkerKillTest extends FaultTestBase {
    private static final String Q = "kill";
    private static final int CYCLES = 50;

    @Test
    void sigkillOfARandomWorkerEveryTwoSecondsLosesNoJob() {
        String[] options = opts(
                "--queues",
                Q,
                "--concurrency",
                "4",
                "--lease-ms",
                "1500",
                "--renew-ms",
                "300",
                "--reap-ms",
                "200"); // poison detection at its default (3): jobs caught in kills must not end dead
        List<ChildWorker> fleet = new ArrayList<>();
        for (int n = 1; n <= 3; n++) fleet.add(launch("w" + n + "-0", options));
        fleet.forEach(c -> c.awaitReady(Duration.ofSeconds(60)));

        List<Kill> kills;
        long started = System.nanoTime();
        try (Producers load =
                new Producers(store, Q, history, Duration.ofMillis(20), Producers.durations(150, 0, 0)).start(2)) {
            Await.pause(2_000);
            kills = killOneEveryTwoSeconds(
                    fleet, CYCLES, (slot, cycle) -> launch("w" + (slot + 1) + "-" + cycle, options));
        }
        System.out.printf(
                "FAULT TABLE worker-sigkill: %d kills in %d s%n",
                kills.size(), (System.nanoTime() - started) / 1_000_000_000);
        HistoryChecker.Report report = drainAndCheck("worker SIGKILL x" + kills.size(), Q);
        printTimeToRecover(kills, HistoryChecker.runs(history));
        assertThat(kills).hasSize(CYCLES);
        assertSafe(report);
    }

    /**
     * Per cycle: from the SIGKILL to the moment the last of the victim's in-flight jobs (started
     * by it, never ended by it) started again on another worker. Cycles whose victim held no
     * started job give no figure.
     */
    private static void printTimeToRecover(List<Kill> kills, List<Run> runs) {
        Map<String, List<Run>> byJob = runs.stream().collect(Collectors.groupingBy(Run::jobId));
        Map<String, Set<String>> endedBy = new HashMap<>();
        for (Run r : runs)
            if (r.end())
                endedBy.computeIfAbsent(r.jobId(), k -> new java.util.HashSet<>())
                        .add(r.worker());
        List<Long> perCycle = new ArrayList<>();
        int unrecovered = 0;
        for (Kill kill : kills) {
            long worst = -1;
            for (Run start : runs) {
                if (!start.start() || !start.worker().equals(kill.worker())) continue;
                if (endedBy.getOrDefault(start.jobId(), Set.of()).contains(kill.worker())) continue;
                long reclaim = byJob.get(start.jobId()).stream()
                        .filter(r -> r.start() && !r.worker().equals(kill.worker()) && r.atMs() >= start.atMs())
                        .mapToLong(Run::atMs)
                        .min()
                        .orElse(-1);
                if (reclaim < 0) unrecovered++;
                else worst = Math.max(worst, reclaim - kill.atMs());
            }
            if (worst >= 0) perCycle.add(worst);
        }
        perCycle.sort(null);
        if (perCycle.isEmpty()) {
            System.out.println("FAULT TABLE time-to-recover: no cycle had a job in flight");
            return;
        }
        System.out.printf(
                "FAULT TABLE time-to-recover (SIGKILL -> last in-flight job re-claimed), %d of %d cycles: p50 %d ms, p99 %d ms, max %d ms; in-flight jobs never re-run: %d%n",
                perCycle.size(),
                kills.size(),
                percentile(perCycle, 50),
                percentile(perCycle, 99),
                perCycle.get(perCycle.size() - 1),
                unrecovered);
    }

    private static long percentile(List<Long> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
