package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.Partition;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.TestHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Review M6: lease renewal shared two timer threads with promotion, reaping and retention, each
 * looping through its whole backlog, so a large backlog delayed renewals past the lease and live
 * jobs were reaped. With 100,000 due retries, 10,000 expired leases and 100,000 dead jobs past
 * their retention to work through, and a lease of 400 ms, no live lease may expire while the
 * rest of the fleet (here the test) reaps every expired lease at once.
 */
@Tag("slow")
class LeaseStarvationTest extends WorkerTestBase {
    private static final String LIVE = "live";
    private static final String BACKLOG = "backlog";

    @Test
    void aHousekeepingBacklogNeverDelaysARenewalPastTheLease() throws InterruptedException {
        // 10,000 leases that have run out: claimed by a worker that is gone
        enqueueMany(BACKLOG, "noop", payload(), 10_000);
        for (int i = 0; i < 10; i++) leases.claim(Partition.parse(BACKLOG), 1_000, Duration.ofMillis(1), "gone");
        // 100,000 due jobs in the scheduled set (retries whose backoff is over)
        List<NewJob> batch = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            batch.add(NewJob.of(BACKLOG, "noop", payload()).withDelay(Duration.ofMillis(1)));
            if (batch.size() == 500) {
                store.enqueue(batch, 0);
                batch.clear();
            }
        }
        // 100,000 dead jobs past their retention (finished at the epoch): a DLQ whose retention was shortened
        TestRedis.raw(
                redis,
                j -> j.eval(
                        "for i = 1, 100000 do redis.call('HSET', ARGV[1] .. 'job:d' .. i, 'state', 'DEAD', 'type', 'noop')"
                                + " redis.call('ZADD', KEYS[1], 1, 'd' .. i) end return 1",
                        List.of(Keys.of(BACKLOG).dead()),
                        List.of(Keys.of(BACKLOG).prefix())));
        queues.pause(BACKLOG); // only the housekeeping works on it
        assertThat(counts(BACKLOG).scheduled()).isEqualTo(100_000);
        assertThat(counts(BACKLOG).active()).isEqualTo(10_000);

        List<String> live = enqueueMany(LIVE, "slow", ms(6_000), 4);
        Worker worker = startWorker(
                config("w", LIVE + "," + BACKLOG)
                        .lease(Duration.ofMillis(400))
                        .renewEvery(Duration.ofMillis(200))
                        .reapEvery(Duration.ofMillis(100))
                        .build(),
                TestHandlers.standard(redis, "w"));
        java.util.concurrent.atomic.AtomicBoolean reaping = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread fleet = Thread.ofPlatform().daemon().start(() -> {
            while (reaping.get()) {
                leases.reap(Partition.parse(LIVE), 100, WorkerConfig.DEFAULT_POISON_LIMIT);
                Await.pause(20);
            }
        });
        try {
            Await.until(
                    Duration.ofSeconds(90),
                    "the backlog to be worked off",
                    () -> counts(BACKLOG).scheduled() == 0
                            && counts(BACKLOG).active() == 0
                            && counts(BACKLOG).dead() == 0);
        } finally {
            reaping.set(false);
            fleet.join(5_000);
        }
        Await.until(Duration.ofSeconds(30), "the live jobs to finish", () -> live.stream()
                .allMatch(id -> job(LIVE, id).state() == JobState.SUCCEEDED));

        assertThat(worker.leasesLost()).as("live leases lost").isZero();
        for (String id : live) {
            assertThat(job(LIVE, id).expiries()).as("lease expiries of %s", id).isZero();
            assertThat(job(LIVE, id).attempts()).isEqualTo(1);
        }
    }
}
