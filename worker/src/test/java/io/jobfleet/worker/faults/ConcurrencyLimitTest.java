package io.jobfleet.worker.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
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
 * Issue 14, must show 1: a concurrency limit of 5 on one type holds across 3 worker JVMs of 20
 * slots each over 5,000 short jobs, by the handlers' own start and end lines; a worker SIGKILLed
 * while it holds slots gives them back with its leases (lease + reap interval), and every job
 * succeeds once.
 */
@Tag("slow")
class ConcurrencyLimitTest extends FlowTestBase {
    private static final String Q = "climit";
    private static final int LIMIT = 5;
    private static final int JOBS = 5_000;
    private static final long LEASE_MS = 5_000; // generous: the JVMs share two loaded cores
    private static final long REAP_MS = 250;

    @Test
    void fiveAtOnceAcrossThreeWorkersAndAKilledWorkersSlotsComeBack() {
        limit(Q, "c:type:A", Integer.toString(LIMIT));
        List<String> ids = enqueue(JOBS, i -> job(Q, "A", "a-" + i, 3));
        String[] options = opts(
                "--queues",
                Q,
                "--concurrency",
                "20",
                "--types",
                "A",
                "--lease-ms",
                Long.toString(LEASE_MS),
                "--renew-ms",
                "1000",
                "--reap-ms",
                Long.toString(REAP_MS));
        List<ChildWorker> fleet = new ArrayList<>(
                List.of(launchFlow("wa", options), launchFlow("wb", options), launchFlow("wc", options)));
        fleet.forEach(c -> c.awaitReady(Duration.ofSeconds(60)));
        String running = Keys.of(Q).running("type:A");
        awaitLines(Duration.ofMinutes(2), JOBS / 4, FlowHistory.Line::end);

        // jobs of a few ms hold a slot briefly: kill a holder until a kill leaves slots held by the dead
        Map<String, Long> killedAt = new HashMap<>();
        String victim = null;
        Set<String> stranded = Set.of();
        long killStarted = 0;
        for (int tries = 1; stranded.isEmpty() && tries <= 10; tries++) {
            fleet.forEach(c -> c.awaitReady(Duration.ofSeconds(60))); // live workers to reap the dead's leases
            String holder = awaitAHolder(running);
            ChildWorker child = fleet.stream()
                    .filter(c -> c.id().equals(holder))
                    .findFirst()
                    .orElseThrow();
            killStarted = System.currentTimeMillis();
            child.kill();
            killedAt.put(holder, System.currentTimeMillis());
            victim = holder;
            stranded = heldBy(running, holder);
            fleet.set(fleet.indexOf(child), launchFlow(holder + "-" + tries, options));
        }
        assertThat(stranded).as("slots held by a killed worker").isNotEmpty();
        String dead = victim;
        Await.until(Duration.ofMillis(LEASE_MS + REAP_MS + 10_000), "the killed worker's slots back", () -> heldBy(
                        running, dead)
                .isEmpty());
        long slotsBackMs = System.currentTimeMillis() - killStarted;

        HistoryChecker.Report report = drainAndCheck("concurrency limit 5, 1 SIGKILL", Q, Duration.ofMinutes(5));
        FlowHistory.Peak peak = FlowHistory.maxRunning(HistoryChecker.runs(history), killedAt);
        System.out.printf(
                "FLOW concurrency: limit %d, %d jobs, 3 JVMs x 20 slots: max running by the handlers' history %d;"
                        + " %d SIGKILL(s), the last left %d slot(s) held by the dead: back after %d ms (bound: lease %d + reap %d ms)%n",
                LIMIT, JOBS, peak.count(), killedAt.size(), stranded.size(), slotsBackMs, LEASE_MS, REAP_MS);
        assertSafe(report);
        assertThat(report.acknowledged()).isEqualTo(ids.size());
        assertThat(peak.count())
                .as("most jobs running at once: at %d ms, %s", peak.atMs(), peak.open())
                .isLessThanOrEqualTo(LIMIT);
        assertThat(slotsBackMs).as("ms from SIGKILL to its slots back").isLessThanOrEqualTo(LEASE_MS + REAP_MS + 1_000);
        long held = TestRedis.raw(redis, j -> j.scard(running));
        assertThat(held).as("slots held after the drain").isZero();
    }

    /** Waits for a job to hold a slot of the running set; returns its worker's id. */
    private String awaitAHolder(String running) {
        List<String> found = new ArrayList<>();
        Await.until(Duration.ofSeconds(30), "a worker holding a slot", () -> {
            found.clear();
            found.addAll(holders(running).values());
            return !found.isEmpty();
        });
        return found.get(0);
    }

    /** The jobs of the running set whose worker is {@code worker}. */
    private Set<String> heldBy(String running, String worker) {
        Set<String> ids = new HashSet<>();
        holders(running).forEach((id, w) -> {
            if (w.equals(worker)) ids.add(id);
        });
        return ids;
    }

    /** The slots of the running set and the worker whose job holds each: job id -> worker id. */
    private Map<String, String> holders(String running) {
        Set<String> members = TestRedis.raw(redis, j -> j.smembers(running));
        Map<String, String> out = new HashMap<>();
        for (String id : members) {
            String worker = jobField(Q, id, "worker");
            if (worker != null) out.put(id, worker);
        }
        return out;
    }
}
