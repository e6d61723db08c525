package io.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.jobfleet.common.internal.redis.Keys;
import io.jobfleet.common.internal.redis.TestRedis;
import io.jobfleet.common.job.JobRecord;
import io.jobfleet.common.job.JobState;
import io.jobfleet.common.job.NewJob;
import io.jobfleet.worker.testing.Await;
import io.jobfleet.worker.testing.Executions;
import io.jobfleet.worker.testing.Executions.Execution;
import io.jobfleet.worker.testing.TestHandlers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A live worker renews its leases: a job that runs far longer than the lease is never reaped or run
 * twice. When a lease is lost anyway (Redis or the machine stalled longer than the lease) and the
 * same worker claims the job again, the stale run is stopped and both runs give their slot back.
 */
class LeaseTest extends WorkerTestBase {
    private static final String Q = "lease";

    @Test
    void aLiveWorkersLongJobIsNeverTakenFromIt() {
        for (String id : new String[] {"w1", "w2"}) {
            startWorker(
                    config(id, Q)
                            .lease(Duration.ofMillis(1_000))
                            .renewEvery(Duration.ofMillis(300))
                            .reapEvery(Duration.ofMillis(100))
                            .build(),
                    TestHandlers.standard(redis, id));
        }
        String id = enqueue(NewJob.of(Q, "record", ms(3_500)));
        Await.until(
                Duration.ofSeconds(20),
                "the long job to finish",
                () -> job(Q, id).state() == JobState.SUCCEEDED);

        JobRecord r = job(Q, id);
        assertThat(r.attempts()).isEqualTo(1);
        assertThat(r.errors()).isEmpty();
        assertThat(r.expiries()).isZero();
        assertThat(Executions.starts(redis, id)).hasSize(1);
        assertThat(queues.stats(Q)).doesNotContainKey("orphansRecovered");
    }

    @Test
    void aJobClaimedAgainByTheSameWorkerStopsTheStaleRunAndFreesBothSlots() {
        startWorker(
                config("solo", Q)
                        .concurrency(2)
                        .lease(Duration.ofSeconds(120))
                        .renewEvery(Duration.ofSeconds(60)) // renews once, at start: the lease below stays lost
                        .reapEvery(Duration.ofMillis(100))
                        .build(),
                TestHandlers.standard(redis, "solo"));
        String id = enqueue(NewJob.of(Q, "record", ms(6_000)));
        Await.until(
                Duration.ofSeconds(20),
                "the job to start",
                () -> Executions.starts(redis, id).size() == 1);

        // the lease runs out while the run goes on (a stall): the worker's own reaper requeues it,
        // and the worker, with a free slot, claims it again
        TestRedis.raw(redis, j -> j.zadd(Keys.of(Q).active(), 0, id));
        Await.until(
                Duration.ofSeconds(20),
                "the second claim",
                () -> Executions.starts(redis, id).size() == 2);
        Await.until(
                Duration.ofSeconds(30),
                "the second run to succeed",
                () -> job(Q, id).state() == JobState.SUCCEEDED);
        assertThat(job(Q, id).attempts()).isEqualTo(2);
        assertThat(Executions.all(redis))
                .as("the stale first run was stopped: it never reached its end")
                .noneMatch(e ->
                        e.jobId().equals(id) && e.attempt() == 1 && e.event().equals(Executions.END));

        // both slots are free again: two new jobs run side by side
        String a = enqueue(NewJob.of(Q, "record", ms(1_500)));
        String b = enqueue(NewJob.of(Q, "record", ms(1_500)));
        Await.until(
                Duration.ofSeconds(20),
                "both jobs to finish",
                () -> job(Q, a).state() == JobState.SUCCEEDED && job(Q, b).state() == JobState.SUCCEEDED);
        List<Execution> runs = Executions.all(redis);
        long startB = at(runs, b, Executions.START);
        long endA = at(runs, a, Executions.END);
        long startA = at(runs, a, Executions.START);
        long endB = at(runs, b, Executions.END);
        assertThat(startB).as("b started while a ran (two free slots)").isLessThan(endA);
        assertThat(startA).as("a started while b ran (two free slots)").isLessThan(endB);
    }

    private static long at(List<Execution> runs, String id, String event) {
        return runs.stream()
                .filter(e -> e.jobId().equals(id) && e.event().equals(event))
                .mapToLong(Execution::atMs)
                .findFirst()
                .orElseThrow();
    }
}
