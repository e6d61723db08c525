package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fault 6: worker clocks skewed by +90 s and -90 s with Debian's {@code faketime}, next to an
 * unskewed worker, under steady load of short jobs, slow jobs (2.5x the default 10 s lease, so only renewals
 * keep them) and jobs that fail once or twice before they succeed (retried with the default
 * backoff). Leases and due times live on the Redis clock, so the skew must change nothing.
 *
 * <p>First it proves the skew took effect: each child prints its clock and Redis TIME at start
 * and stamps both on every attempt. Then: no job is started twice (no early reclaim; no worker is
 * killed here, so duplicates must be 0), no retry starts before the due time its failure scheduled
 * (measured on Redis TIME and on the child's skew-corrected clock), and nothing is lost or stuck.
 */
@Tag("slow")
class ClockSkewTest extends FaultTestBase {
    private static final String Q = "skew";
    private static final String FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
    private static final long LEASE_MS = 10_000;
    private static final long SLOW_MS = 25_000;
    private static final long SKEW_MS = 90_000;
    /** How far a measured offset may be from the intended skew (startup, pipes, a loaded machine). */
    private static final long OFFSET_TOLERANCE_MS = 2_000;
    /** Retry start vs its due time: Redis TIME is read after the claim, so 0 would do; a little slack. */
    private static final long REDIS_TOLERANCE_MS = 10;
    /** The same on the skew-corrected child clock: adds the error of the offset measured at start. */
    private static final long CORRECTED_TOLERANCE_MS = 250;

    @Test
    void skewedWorkerClocksCauseNoEarlyReclaimAndNoEarlyRetry() {
        Map<String, Long> skews = Map.of("plus90", SKEW_MS, "minus90", -SKEW_MS, "noskew", 0L);
        List<ChildWorker> fleet = new ArrayList<>();
        try {
            for (var e : skews.entrySet()) fleet.add(start(e.getKey(), e.getValue()));
            fleet.forEach(c -> c.awaitReady(Duration.ofSeconds(60)));

            // 1. the skew took effect in each child
            Map<String, Long> offsets = new HashMap<>();
            StringBuilder measured = new StringBuilder();
            for (ChildWorker child : fleet) {
                long testNow = System.currentTimeMillis();
                String[] clock = child.output().stream()
                        .filter(l -> l.startsWith("CLOCK "))
                        .findFirst()
                        .orElseThrow()
                        .split(" ");
                long local = Long.parseLong(clock[1]);
                long server = Long.parseLong(clock[2]);
                long expected = skews.get(child.id());
                offsets.put(child.id(), local - server);
                measured.append(String.format(
                        " %s %+d ms (vs test clock %+d ms)", child.id(), local - server, local - testNow));
                assertThat(local - server)
                        .as("%s's clock minus Redis TIME", child.id())
                        .isBetween(expected - OFFSET_TOLERANCE_MS, expected + OFFSET_TOLERANCE_MS);
                // the line was printed while the other children were starting, seconds before we read it:
                // the child's clock looks behind ours by that much, still far from the other skews
                assertThat(local - testNow)
                        .as("%s's clock minus the test's", child.id())
                        .isBetween(expected - 20_000, expected + OFFSET_TOLERANCE_MS);
            }
            System.out.println("FAULT TABLE clock-skew: measured offsets" + measured);

            // the children finish starting (logging, JIT) on a shared, loaded machine before the load begins
            Await.pause(5_000);
            // 2. load: 2 % slow jobs, about 3 in 8 fail once or twice first (SkewWorker.failures)
            StallWatch stalls = new StallWatch();
            try (Producers load = new Producers(
                            store, Q, history, Duration.ofMillis(40), Producers.durations(100, 0.02, SLOW_MS))
                    .start(2)) {
                Await.pause(30_000);
            } finally {
                stalls.close();
            }
            HistoryChecker.Report report = drainAndCheck("clock skew +-90 s", Q);
            Figures figures = analyse(offsets);
            System.out.println("FAULT TABLE " + figures.line() + "; longest gap between Redis TIME samples seen by"
                    + " the test during the load " + stalls.longestGapMs() + " ms");
            figures.examples().forEach(e -> System.out.println("FAULT TABLE   example: " + e));

            assertSafe(report);
            assertThat(report.duplicates())
                    .as("duplicate executions with no kill: %s", report.examples())
                    .isZero();
            assertThat(figures.skewBroken())
                    .as("attempts whose stamp shows a child clock off its measured skew")
                    .isZero();
            assertThat(figures.extraStarts())
                    .as("job starts beyond the planned failures + 1 (early reclaims): %s", figures.examples())
                    .isZero();
            assertThat(figures.earlyOnRedis())
                    .as("retries started before their due time on Redis TIME: %s", figures.examples())
                    .isZero();
            assertThat(figures.earlyCorrected())
                    .as("retries started before their due time on the skew-corrected clock: %s", figures.examples())
                    .isZero();
            // the skewed workers really did the risky work
            for (String skewed : List.of("plus90", "minus90")) {
                assertThat(figures.slowBy().getOrDefault(skewed, 0))
                        .as("slow jobs run by %s", skewed)
                        .isPositive();
                assertThat(figures.failedBy().getOrDefault(skewed, 0))
                        .as("failures (retries scheduled) by %s", skewed)
                        .isPositive();
                assertThat(figures.retriedBy().getOrDefault(skewed, 0))
                        .as("retries started by %s", skewed)
                        .isPositive();
            }
        } finally {
            fleet.forEach(ChildWorker::close);
        }
    }

    /**
     * Samples Redis TIME every 100 ms from the test JVM and keeps the longest gap between two
     * samples: how long the machine (or Redis) stalled, the thing that can make a lease run out
     * under a live worker whatever the clocks say.
     */
    private final class StallWatch implements AutoCloseable {
        private volatile boolean stopping;
        private volatile long longest;
        private final Thread thread =
                Thread.ofPlatform().daemon().name("stall-watch").start(this::watch);

        private void watch() {
            long last = redis.serverTimeMs();
            while (!stopping) {
                Await.pause(100);
                long now = redis.serverTimeMs();
                longest = Math.max(longest, now - last);
                last = now;
            }
        }

        long longestGapMs() {
            return longest;
        }

        @Override
        public void close() {
            stopping = true;
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private ChildWorker start(String id, long skewMs) {
        Map<String, String> env = skewMs == 0
                ? Map.of()
                : Map.of(
                        "LD_PRELOAD",
                        FAKETIME_LIB,
                        "FAKETIME",
                        String.format("%+ds", skewMs / 1000),
                        // the JVM's timed waits use the monotonic clock: leave it alone
                        "FAKETIME_DONT_FAKE_MONOTONIC",
                        "1");
        return ChildWorker.launch(
                SkewWorker.class,
                env,
                server.url(),
                id,
                "--queues",
                Q,
                "--concurrency",
                "8",
                "--lease-ms",
                Long.toString(LEASE_MS),
                "--renew-ms",
                "1000",
                "--reap-ms",
                "500",
                "--history",
                history.toString());
    }

    /** What the attempt logs ({@code try-*.log}) show. */
    private record Figures(
            int attempts,
            int retries,
            int skewBroken,
            int extraStarts,
            int earlyOnRedis,
            int earlyCorrected,
            long minMarginRedis,
            long minMarginCorrected,
            long minScheduled,
            long maxLateRedis,
            long maxStampLag,
            Map<String, Integer> slowBy,
            Map<String, Integer> failedBy,
            Map<String, Integer> retriedBy,
            Map<String, Long> offsets,
            List<String> examples) {

        String line() {
            return String.format(
                    "clock-skew: offsets plus90 %+d ms, minus90 %+d ms, noskew %+d ms; %d attempts, %d retries"
                            + " (failed on plus90/minus90/noskew %s/%s/%s, started on %s/%s/%s); retry start minus"
                            + " scheduled due: min %+d ms on Redis TIME, min %+d ms skew-corrected, max %d ms late;"
                            + " min scheduled delay %d ms; slow jobs (> lease) on plus90/minus90/noskew %s/%s/%s;"
                            + " job starts beyond its planned attempts %d; early retries %d/%d; slowest Redis TIME call in a handler"
                            + " %d ms",
                    offsets.get("plus90"),
                    offsets.get("minus90"),
                    offsets.get("noskew"),
                    attempts,
                    retries,
                    failedBy.getOrDefault("plus90", 0),
                    failedBy.getOrDefault("minus90", 0),
                    failedBy.getOrDefault("noskew", 0),
                    retriedBy.getOrDefault("plus90", 0),
                    retriedBy.getOrDefault("minus90", 0),
                    retriedBy.getOrDefault("noskew", 0),
                    minMarginRedis,
                    minMarginCorrected,
                    maxLateRedis,
                    minScheduled,
                    slowBy.getOrDefault("plus90", 0),
                    slowBy.getOrDefault("minus90", 0),
                    slowBy.getOrDefault("noskew", 0),
                    extraStarts,
                    earlyOnRedis,
                    earlyCorrected,
                    maxStampLag);
        }
    }

    private Figures analyse(Map<String, Long> offsets) {
        List<String> examples = new ArrayList<>();
        Map<String, Long> startLocal = new HashMap<>(); // "job attempt" -> local start
        Map<String, String> startWorker = new HashMap<>();
        Set<String> started = new HashSet<>();
        Map<String, Integer> startsOfJob = new HashMap<>();
        Map<String, Integer> slowBy = new HashMap<>();
        Map<String, Integer> failedBy = new HashMap<>();
        Map<String, Integer> retriedBy = new HashMap<>();
        int attempts = 0, retries = 0, skewBroken = 0, extraStarts = 0, earlyOnRedis = 0, earlyCorrected = 0;
        long minMarginRedis = Long.MAX_VALUE, minMarginCorrected = Long.MAX_VALUE;
        long minScheduled = Long.MAX_VALUE, maxLate = 0, maxStampLag = 0;
        List<String[]> lines = HistoryLog.read(history, "try-");
        Set<String> failed = new HashSet<>(); // "job attempt" of every planned failure
        for (String[] f : lines) if (f[0].equals("F")) failed.add(f[1] + " " + f[4]);
        for (String[] f : lines) {
            String attempt = f[1] + " " + f[4];
            String worker = f[3];
            long local = Long.parseLong(f[5]);
            switch (f[0]) {
                case "S" -> {
                    attempts++;
                    long server = Long.parseLong(f[6]);
                    long runAt = Long.parseLong(f[7]);
                    long failedAt = Long.parseLong(f[8]);
                    long offset = offsets.get(worker);
                    // local is read before Redis TIME: the stamp is the offset less the call's latency
                    maxStampLag = Math.max(maxStampLag, offset - (local - server));
                    if (local - server > offset + OFFSET_TOLERANCE_MS || local - server < offset - 30_000) {
                        skewBroken++;
                        example(examples, worker + " stamped " + (local - server) + " ms off Redis, not " + offset);
                    }
                    int runs = startsOfJob.merge(f[1], 1, Integer::sum);
                    if (!started.add(attempt) || runs > SkewWorker.failures(f[2]) + 1) {
                        extraStarts++;
                        example(
                                examples,
                                "job " + f[1] + " started again (attempt " + f[4] + ", run " + runs + ") by " + worker);
                    }
                    startLocal.put(attempt, local);
                    startWorker.put(attempt, worker);
                    // a retry scheduled by the previous attempt's recorded failure (a failure reported after
                    // its lease was lost is refused, and the job hash then holds no due time for it)
                    if (failed.contains(f[1] + " " + (Integer.parseInt(f[4]) - 1))
                            && failedAt > 0
                            && runAt >= failedAt) {
                        retries++;
                        retriedBy.merge(worker, 1, Integer::sum);
                        long marginRedis = server - runAt;
                        long marginCorrected = (local - offset) - runAt;
                        minMarginRedis = Math.min(minMarginRedis, marginRedis);
                        minMarginCorrected = Math.min(minMarginCorrected, marginCorrected);
                        minScheduled = Math.min(minScheduled, runAt - failedAt);
                        maxLate = Math.max(maxLate, marginRedis);
                        if (marginRedis < -REDIS_TOLERANCE_MS) {
                            earlyOnRedis++;
                            example(
                                    examples,
                                    "attempt " + attempt + " on " + worker + " started " + -marginRedis
                                            + " ms before its due time (Redis TIME)");
                        }
                        if (marginCorrected < -CORRECTED_TOLERANCE_MS) {
                            earlyCorrected++;
                            example(
                                    examples,
                                    "attempt " + attempt + " on " + worker + " started " + -marginCorrected
                                            + " ms before its due time (skew-corrected)");
                        }
                    }
                }
                case "F" -> failedBy.merge(worker, 1, Integer::sum);
                case "E" -> {
                    Long start = startLocal.get(attempt);
                    if (start != null && local - start > LEASE_MS && worker.equals(startWorker.get(attempt)))
                        slowBy.merge(worker, 1, Integer::sum);
                }
                default -> throw new AssertionError("bad attempt line " + String.join(" ", f));
            }
        }
        return new Figures(
                attempts,
                retries,
                skewBroken,
                extraStarts,
                earlyOnRedis,
                earlyCorrected,
                minMarginRedis,
                minMarginCorrected,
                minScheduled,
                maxLate,
                maxStampLag,
                slowBy,
                failedBy,
                retriedBy,
                offsets,
                examples);
    }

    private static void example(List<String> examples, String text) {
        if (examples.size() < 10) examples.add(text);
    }
}
