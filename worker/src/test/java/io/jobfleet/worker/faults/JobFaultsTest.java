package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.QueueStore;
import io.jobfleet.common.job.AttemptError;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.common.job.QueueCounts;
import io.jobfleet.worker.faults.HistoryChecker.Run;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.ChildWorker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fault 5: misbehaving jobs mixed into steady load of normal ones (0-150 ms), three worker JVMs
 * with a 1.5 s lease renewed every 300 ms. Slow jobs run 3x the lease and must be renewed, never
 * re-claimed; hung jobs ignore the interrupt at their timeout on their first two attempts and
 * must be timed out, retried and completed; poison jobs halt the JVM every time they run and must
 * end DEAD at the poison limit, while the innocent jobs they took down with them complete.
 */
@Tag("slow")
class JobFaultsTest extends FaultTestBase {
    private static final int POISON_LIMIT = 3;

    private static String[] options(String queue, String... more) {
        List<String> all = new ArrayList<>(
                List.of("--queues", queue, "--lease-ms", "1500", "--renew-ms", "300", "--reap-ms", "200"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    private List<ChildWorker> fleet(String... options) {
        List<ChildWorker> fleet = new ArrayList<>();
        for (int n = 1; n <= 3; n++) fleet.add(launch("w" + n + "-0", options));
        fleet.forEach(c -> c.awaitReady(Duration.ofSeconds(60)));
        return fleet;
    }

    /** A normal job: the key as given, 0-150 ms. */
    private static NewJob normal(String queue, String key) {
        return Producers.job(
                queue, key, Producers.payload(key, ThreadLocalRandom.current().nextLong(151)));
    }

    @Test
    void slowJobsOfThreeLeasesAreRenewedNeverReclaimed() {
        String q = "slow";
        fleet(options(q, "--concurrency", "8"));
        AtomicLong n = new AtomicLong();
        try (Producers load = new Producers(
                        store,
                        history,
                        Duration.ofMillis(40),
                        key -> n.incrementAndGet() % 25 == 0
                                ? Producers.job(q, "slow-" + key, Producers.payload("slow-" + key, 4_500))
                                : normal(q, key))
                .start(2)) {
            Await.pause(30_000);
        }
        HistoryChecker.Report report = drainAndCheck("slow jobs (4.5 s, 3x lease)", q);

        Map<String, String> slow = acked("slow-");
        Map<String, List<Run>> starts = starts();
        int reclaimed = 0;
        int expiries = 0;
        for (String id : slow.values()) {
            JobRecord job = store.get(q, id).orElseThrow();
            if (starts.getOrDefault(id, List.of()).size() != 1 || job.attempts() != 1) reclaimed++;
            expiries += job.expiries();
            assertThat(job.state()).as("slow job %s", id).isEqualTo(JobState.SUCCEEDED);
        }
        System.out.printf(
                "FAULT TABLE slow jobs: %d of 4.5 s (lease 1.5 s) among %d; re-claimed or run twice: %d; lease expiries: %d%n",
                slow.size(), report.acknowledged(), reclaimed, expiries);
        assertSafe(report);
        assertThat(slow).as("slow jobs acknowledged").hasSizeGreaterThanOrEqualTo(20);
        assertThat(reclaimed).as("slow jobs run more than once").isZero();
        assertThat(expiries).as("lease expiries of slow jobs").isZero();
    }

    @Test
    void hungJobsAreTimedOutRetriedAndComplete() {
        String q = "hung";
        fleet(options(q, "--concurrency", "8", "--hung-grace-ms", "1500"));
        AtomicLong n = new AtomicLong();
        try (Producers load = new Producers(store, history, Duration.ofMillis(40), key -> {
                    long i = n.incrementAndGet();
                    if (i % 20 != 0) return normal(q, key);
                    // hangs of 2 s return within the grace (timeout 1 s + grace 1.5 s); 4 s ones are abandoned
                    var payload = Producers.payload("hung-" + key, 20)
                            .put("hangAttempts", 2)
                            .put("hangMs", i % 40 == 0 ? 4_000 : 2_000);
                    return Producers.job(q, "hung-" + key, payload).withTimeout(Duration.ofSeconds(1));
                })
                .start(2)) {
            Await.pause(25_000);
        }
        HistoryChecker.Report report = drainAndCheck("hung jobs (past timeout)", q);

        Map<String, String> hung = acked("hung-");
        Map<String, List<Run>> starts = starts();
        int wrong = 0;
        long timeouts = 0;
        List<String> examples = new ArrayList<>();
        for (String id : hung.values()) {
            JobRecord job = store.get(q, id).orElseThrow();
            long timedOut = job.errors().stream()
                    .map(AttemptError::errorClass)
                    .filter(c -> c.contains("JobTimeoutException"))
                    .count();
            timeouts += timedOut;
            int runs = starts.getOrDefault(id, List.of()).size();
            if (job.state() != JobState.SUCCEEDED || job.attempts() != 3 || timedOut != 2 || runs != 3) {
                wrong++;
                if (examples.size() < 5)
                    examples.add(id + " " + job.state() + " attempts " + job.attempts() + " timeouts " + timedOut
                            + " runs " + runs + " errors "
                            + job.errors().stream()
                                    .map(AttemptError::errorClass)
                                    .toList());
            }
        }
        System.out.printf(
                "FAULT TABLE hung jobs: %d (timeout 1 s, hung 2 s or 4 s on attempts 1-2) among %d; timeouts recorded: %d;"
                        + " not (2 timeouts then success on attempt 3): %d %s%n",
                hung.size(), report.acknowledged(), timeouts, wrong, examples);
        assertSafe(report);
        assertThat(hung).as("hung jobs acknowledged").hasSizeGreaterThanOrEqualTo(20);
        assertThat(wrong)
                .as("hung jobs not timed out twice then completed: %s", examples)
                .isZero();
    }

    @Test
    void poisonJobsDieAtThePoisonLimitAndTheirNeighboursComplete() {
        String q = "poison";
        String[] options = options(q, "--concurrency", "4", "--poison", Integer.toString(POISON_LIMIT));
        List<ChildWorker> fleet = fleet(options);
        Supervisor supervisor = new Supervisor(fleet, options);
        Thread supervising = Thread.ofPlatform().name("supervisor").start(supervisor);
        AtomicLong n = new AtomicLong();
        HistoryChecker.Report report;
        try {
            try (Producers load = new Producers(store, history, Duration.ofMillis(25), key -> {
                        long i = n.incrementAndGet(); // four poison jobs among the first 1,000
                        if (i % 300 != 100 || i > 1_000) return normal(q, key);
                        var payload = Producers.payload("poison-" + key, 0).put("halt", true);
                        return Producers.job(q, "poison-" + key, payload);
                    })
                    .start(2)) {
                Await.pause(35_000);
            }
            awaitDrained(q);
            report = HistoryChecker.check("poison jobs (halt JVM)", history, redis, q, k -> k.startsWith("poison-"));
            report.print();
        } finally {
            supervisor.stop();
            try {
                supervising.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        Map<String, String> poison = acked("poison-");
        Map<String, List<Run>> starts = starts();
        long poisonRuns = 0;
        List<String> notDead = new ArrayList<>();
        for (String id : poison.values()) {
            JobRecord job = store.get(q, id).orElseThrow();
            int runs = starts.getOrDefault(id, List.of()).size();
            poisonRuns += runs;
            if (job.state() != JobState.DEAD
                    || job.deadReason() == null
                    || !job.deadReason().contains("poison")
                    || runs < 1
                    || runs > POISON_LIMIT)
                notDead.add(id + " " + job.state() + " " + job.deadReason() + " runs " + runs);
        }
        // innocent jobs running on a worker when it halted: started there, never ended there
        Set<String> halted = supervisor.halted.keySet();
        Set<String> endedWhere = new HashSet<>();
        for (Run r : HistoryChecker.runs(history)) if (r.end()) endedWhere.add(r.jobId() + " " + r.worker());
        Set<String> neighbours = new HashSet<>();
        for (Run r : HistoryChecker.runs(history)) {
            if (r.start()
                    && halted.contains(r.worker())
                    && !r.key().startsWith("poison-")
                    && !endedWhere.contains(r.jobId() + " " + r.worker())) neighbours.add(r.jobId());
        }
        List<String> neighboursNotDone = neighbours.stream()
                .filter(id -> store.get(q, id)
                        .map(j -> j.state() != JobState.SUCCEEDED)
                        .orElse(true))
                .toList();
        Map<Integer, Long> exits =
                supervisor.halted.values().stream().collect(Collectors.groupingBy(e -> e, Collectors.counting()));
        System.out.printf(
                "FAULT TABLE poison jobs: %d (limit %d) among %d; their runs: %d; worker exits by code: %s;"
                        + " innocent jobs in flight at a halt: %d, not completed: %d; poison not DEAD as such: %s%n",
                poison.size(),
                POISON_LIMIT,
                report.acknowledged(),
                poisonRuns,
                exits,
                neighbours.size(),
                neighboursNotDone.size(),
                notDead);
        assertSafe(report);
        assertThat(poison).as("poison jobs acknowledged").hasSize(4);
        assertThat(report.deadAsExpected()).as("poison jobs DEAD").isEqualTo(poison.size());
        assertThat(notDead)
                .as("poison jobs not DEAD as poison within the limit")
                .isEmpty();
        assertThat(exits.getOrDefault(7, 0L)).as("halts (exit 7) = poison runs").isEqualTo(poisonRuns);
        assertThat(exits.keySet()).as("worker exit codes").containsOnly(7);
        assertThat(neighboursNotDone)
                .as("innocent neighbours of a halt not completed")
                .isEmpty();
    }

    /** As {@link #drainAndCheck}'s wait: bounded; what is left shows in the checker's table. */
    private void awaitDrained(String queue) {
        QueueStore queues = new QueueStore(redis);
        try {
            Await.until(Duration.ofMinutes(2), "queue " + queue + " to drain", () -> {
                QueueCounts c = queues.counts(queue);
                return c.pending() == 0 && c.active() == 0 && c.scheduled() == 0;
            });
        } catch (AssertionError e) {
            System.out.println("FAULT TABLE " + queue + ": " + e.getMessage() + "; checking what is left");
        }
    }

    /** Key -> acknowledged job id, for keys starting with {@code prefix}. */
    private Map<String, String> acked(String prefix) {
        Map<String, String> out = new HashMap<>();
        for (String[] f : HistoryLog.read(history, "producer-"))
            if (f[0].equals("A") && f[1].startsWith(prefix)) out.put(f[1], f[2]);
        return out;
    }

    /** Job id -> its handler starts. */
    private Map<String, List<Run>> starts() {
        return HistoryChecker.runs(history).stream().filter(r -> r.start()).collect(Collectors.groupingBy(Run::jobId));
    }

    /** Relaunches every worker JVM that died (a poison job halted it), recording each one's exit code. */
    private final class Supervisor implements Runnable {
        final Map<String, Integer> halted = new java.util.concurrent.ConcurrentHashMap<>();
        private final List<ChildWorker> fleet;
        private final String[] options;
        private volatile boolean stopping;

        Supervisor(List<ChildWorker> fleet, String[] options) {
            this.fleet = fleet;
            this.options = options;
        }

        void stop() {
            stopping = true;
        }

        @Override
        public void run() {
            int generation = 0;
            while (!stopping) {
                for (int slot = 0; slot < fleet.size(); slot++) {
                    ChildWorker worker = fleet.get(slot);
                    if (worker.isAlive()) continue;
                    halted.put(worker.id(), worker.waitForExit(Duration.ofSeconds(5)));
                    fleet.set(slot, launch("w" + (slot + 1) + "-" + ++generation, options));
                }
                Await.pause(100);
            }
            // one last look: a halt in the last moments is counted too
            for (ChildWorker worker : fleet)
                if (!worker.isAlive()) halted.put(worker.id(), worker.waitForExit(Duration.ofSeconds(5)));
        }
    }
}
