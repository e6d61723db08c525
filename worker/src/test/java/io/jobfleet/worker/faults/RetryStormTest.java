package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.job.RetryPolicy;
import io.jobfleet.worker.faults.HistoryChecker.Run;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fault 9: a retry storm. Every job calls a downstream that fails 100 % for a minute (the handler
 * throws while a flag file exists), then is healthy again. Jobs have 30 attempts and an
 * exponential backoff with full jitter (1 s doubling to 15 s). Every handler start is in the
 * history: after the drain the test prints how many runs and retries fell in each 5-second bucket
 * and how long the retries waited, and checks that they were spread out rather than in lockstep,
 * that no job died, and that every acknowledged job completed. Run twice: with the circuit
 * breakers off (the backoff alone) and on (the default).
 */
@Tag("slow")
class RetryStormTest extends FaultTestBase {
    private static final String Q = "storm";
    private static final String FLAG = "downstream-down";
    private static final RetryPolicy BACKOFF = new RetryPolicy(1_000, 2.0, 15_000, 30);
    private static final long OUTAGE_MS = 45_000;
    private static final long BUCKET_MS = 5_000;

    /** What one storm did: every handler start, and the figures the assertions use. */
    private record Storm(
            HistoryChecker.Report report,
            List<Run> starts,
            List<Run> retries,
            int busiestRetryBucket,
            List<Long> delays,
            int commonestDelay,
            int recoveryRuns,
            int busiestRecoverySecond,
            long dead,
            int mostAttempts) {}

    /**
     * Circuit breakers off: every retry reaches the downstream, so the backoff's jitter alone must
     * spread them out.
     */
    @Test
    void withoutBreakersTheBackoffJitterSpreadsTheRetries() throws IOException {
        Storm storm = storm("retry storm, no breaker", "--breaker", "off");
        assertSafe(storm.report());
        assertThat(storm.dead()).as("dead jobs").isZero();
        assertThat(storm.mostAttempts()).as("most attempts used").isLessThan(BACKOFF.maxAttempts());
        assertThat(storm.retries()).as("retries").hasSizeGreaterThanOrEqualTo(1_000);
        assertThat(storm.busiestRetryBucket())
                .as("retries in the busiest 5 s bucket")
                .isLessThanOrEqualTo(storm.retries().size() / 4);
        assertThat(storm.commonestDelay())
                .as("retries sharing one 100 ms delay (jitter, not lockstep)")
                .isLessThanOrEqualTo(storm.delays().size() / 20);
        assertThat(storm.busiestRecoverySecond())
                .as("runs in the busiest second after the recovery (no thundering herd)")
                .isLessThanOrEqualTo(storm.recoveryRuns() / 4);
    }

    /**
     * Circuit breakers on, as by default: once a worker's breaker opens, its claims are handed back
     * unspent with a jittered delay; after the recovery the backlog must come back spread out.
     */
    @Test
    void withBreakersTheBacklogReturnsSpreadOut() throws IOException {
        Storm storm = storm("retry storm, breakers");
        assertSafe(storm.report());
        assertThat(storm.dead()).as("dead jobs").isZero();
        assertThat(storm.mostAttempts()).as("most attempts used").isLessThan(BACKOFF.maxAttempts());
        assertThat(storm.recoveryRuns()).as("runs after the recovery").isGreaterThanOrEqualTo(500);
        assertThat(storm.busiestRecoverySecond())
                .as("runs in the busiest second after the recovery (no thundering herd)")
                .isLessThanOrEqualTo(storm.recoveryRuns() / 4);
    }

    private Storm storm(String fault, String... workerOptions) throws IOException {
        List<String> all = new ArrayList<>(List.of(
                "--queues", Q, "--concurrency", "8", "--lease-ms", "1500", "--renew-ms", "300", "--reap-ms", "200"));
        all.addAll(List.of(workerOptions));
        String[] options = all.toArray(String[]::new);
        List<ChildWorker> fleet = new ArrayList<>();
        for (int n = 1; n <= 3; n++) fleet.add(launch("w" + n, options));
        fleet.forEach(c -> c.awaitReady(Duration.ofSeconds(60)));

        Path flag = Files.createFile(history.resolve(FLAG));
        long outageStart = System.currentTimeMillis();
        try (Producers load = new Producers(store, history, Duration.ofMillis(50), key -> {
                    var payload = Producers.payload(
                                    key, ThreadLocalRandom.current().nextLong(51))
                            .put("failWhile", FLAG);
                    return Producers.job(Q, key, payload).withBackoff(BACKOFF);
                })
                .start(2)) {
            Await.pause(20_000);
        }
        Await.pause(Math.max(0, outageStart + OUTAGE_MS - System.currentTimeMillis()));
        Files.delete(flag);
        long outageEnd = System.currentTimeMillis();
        HistoryChecker.Report report = drainAndCheck(fault, Q);

        List<Run> runs = HistoryChecker.runs(history);
        Set<String> ended = new HashSet<>();
        for (Run r : runs) if (r.end()) ended.add(r.jobId() + "#" + r.attempt());
        List<Run> starts = runs.stream()
                .filter(r -> r.start())
                .sorted(Comparator.comparingLong(Run::atMs))
                .toList();
        List<Run> retries = starts.stream().filter(r -> r.attempt() > 1).toList();
        TreeMap<Long, int[]> buckets = new TreeMap<>(); // bucket -> {runs, retries, failed}
        for (Run r : starts) {
            int[] b = buckets.computeIfAbsent(Math.floorDiv(r.atMs() - outageStart, BUCKET_MS), k -> new int[3]);
            b[0]++;
            if (r.attempt() > 1) b[1]++;
            if (!ended.contains(r.jobId() + "#" + r.attempt())) b[2]++;
        }
        int busiest = buckets.values().stream().mapToInt(b -> b[1]).max().orElse(0);
        System.out.printf(
                "FAULT TABLE %s: %d jobs, %d handler runs, %d retries (attempt > 1); downstream down for %d s from +0 s;"
                        + " breaker hand-backs logged: %d%n",
                fault,
                report.acknowledged(),
                starts.size(),
                retries.size(),
                (outageEnd - outageStart) / 1000,
                fleet.stream()
                        .mapToLong(c -> c.output().stream()
                                .filter(l -> l.contains("handed back (circuit breaker"))
                                .count())
                        .sum());
        System.out.println("FAULT TABLE " + fault + ", per 5 s bucket:    from     runs  retries   failed  runs");
        int scale =
                Math.max(1, buckets.values().stream().mapToInt(b -> b[0]).max().orElse(0) / 50);
        buckets.forEach((bucket, b) -> System.out.printf(
                "FAULT TABLE %s                   %+5d s %8d %8d %8d  %s%n",
                fault, bucket * BUCKET_MS / 1000, b[0], b[1], b[2], "#".repeat(b[0] / scale)));

        // the wait before each run of a job after its first: from its previous run
        List<Long> delays = new ArrayList<>();
        Map<String, List<Run>> byJob = starts.stream().collect(Collectors.groupingBy(Run::jobId));
        for (List<Run> job : byJob.values()) {
            for (int i = 1; i < job.size(); i++)
                delays.add(job.get(i).atMs() - job.get(i - 1).atMs());
        }
        TreeMap<Long, Integer> delayBins = new TreeMap<>();
        for (long d : delays) delayBins.merge(Math.min(d / 1_000, 20), 1, Integer::sum);
        int delayScale =
                Math.max(1, delayBins.values().stream().mapToInt(i -> i).max().orElse(0) / 50);
        System.out.println("FAULT TABLE " + fault + ", retry delays (from the job's previous run), per 1 s:");
        delayBins.forEach((bin, count) -> System.out.printf(
                "FAULT TABLE %s delay %s %6d  %s%n",
                fault,
                bin == 20 ? ">= 20 s   " : String.format("%2d s - %2d s", bin, bin + 1),
                count,
                "#".repeat(count / delayScale)));
        int commonestDelay =
                delays.stream().collect(Collectors.groupingBy(d -> d / 100, Collectors.counting())).values().stream()
                        .mapToInt(Long::intValue)
                        .max()
                        .orElse(0);
        List<Long> afterRecovery = starts.stream()
                .filter(r -> r.atMs() >= outageEnd)
                .map(r -> (r.atMs() - outageEnd) / 1_000)
                .toList();
        int busiestSecond =
                afterRecovery.stream().collect(Collectors.groupingBy(t -> t, Collectors.counting())).values().stream()
                        .mapToInt(Long::intValue)
                        .max()
                        .orElse(0);
        long dead = new QueueStore(redis).counts(Q).dead();
        int mostAttempts = starts.stream().mapToInt(Run::attempt).max().orElse(0);
        System.out.printf(
                "FAULT TABLE %s: busiest 5 s bucket %d of %d retries (%.1f %%); %d distinct retry delays (100 ms"
                        + " resolution), the commonest %d of %d; after the recovery %d runs over %d s, the busiest"
                        + " second %d (%.1f %%); dead jobs %d; most attempts used by a job %d of %d%n",
                fault,
                busiest,
                retries.size(),
                100.0 * busiest / Math.max(1, retries.size()),
                delays.stream().map(d -> d / 100).distinct().count(),
                commonestDelay,
                delays.size(),
                afterRecovery.size(),
                afterRecovery.stream().mapToLong(t -> t + 1).max().orElse(0),
                busiestSecond,
                100.0 * busiestSecond / Math.max(1, afterRecovery.size()),
                dead,
                mostAttempts,
                BACKOFF.maxAttempts());
        return new Storm(
                report,
                starts,
                retries,
                busiest,
                delays,
                commonestDelay,
                afterRecovery.size(),
                busiestSecond,
                dead,
                mostAttempts);
    }
}
